import {
  type CryptoKey,
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  importPKCS8,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
  type RemoteJWKSetOptions,
} from "jose";

/** The key a service signs its tokens with. */
export type ServiceSigningKey =
  | { alg: "HS256"; key: Uint8Array }
  | { alg: "EdDSA"; key: CryptoKey; kid: string };

/** The key (or key set) a service verifies incoming tokens with. */
export type ServiceVerificationKey =
  | { alg: "HS256"; key: Uint8Array }
  | { alg: "EdDSA"; key: JWTVerifyGetKey };

/** Thrown by a remote key set that cannot be fetched; maps to `keys_unavailable`. */
export class KeysUnavailableError extends Error {
  override name = "KeysUnavailableError";
}

const MIN_SECRET_BYTES = 32;

function secretBytes(secret: string | Uint8Array): Uint8Array {
  const bytes = typeof secret === "string" ? new TextEncoder().encode(secret) : secret;
  // RFC 7518 §3.2: an HS256 key must be at least as long as the hash output
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new Error(`the service token secret must be at least ${MIN_SECRET_BYTES} bytes long`);
  }
  return bytes;
}

/** HS256 with a secret shared by every service: the default. */
export function sharedSecretKey(
  secret: string | Uint8Array,
): ServiceSigningKey & ServiceVerificationKey {
  return { alg: "HS256", key: secretBytes(secret) };
}

/** EdDSA (Ed25519) signing key from a CryptoKey, a private JWK or a PKCS#8 PEM; `kid` is required. */
export async function eddsaSigningKey(
  privateKey: CryptoKey | JWK | string,
  kid: string,
): Promise<ServiceSigningKey> {
  let key: CryptoKey;
  if (typeof privateKey === "string") key = await importPKCS8(privateKey, "EdDSA");
  else if ("type" in privateKey && "algorithm" in privateKey) key = privateKey;
  else key = (await importJWK(privateKey, "EdDSA")) as CryptoKey;
  return { alg: "EdDSA", key, kid };
}

/** Verifies EdDSA tokens with a key set held in memory (e.g. read from configuration). */
export function localJwksKey(jwks: JSONWebKeySet): ServiceVerificationKey {
  return { alg: "EdDSA", key: createLocalJWKSet(jwks) };
}

/**
 * Verifies EdDSA tokens with a key set fetched from a URL, cached and refetched by jose when an
 * unknown `kid` arrives (key rotation). Create it once per process, not per request.
 */
export function remoteJwksKey(url: URL, options?: RemoteJWKSetOptions): ServiceVerificationKey {
  const getKey = createRemoteJWKSet(url, options);
  const wrapped: JWTVerifyGetKey = async (header, token) => {
    try {
      return await getKey(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) throw error;
      if (error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      throw new KeysUnavailableError(`cannot fetch the JWKS at ${url.href}`, { cause: error });
    }
  };
  return { alg: "EdDSA", key: wrapped };
}

/** A new Ed25519 key pair: the signing key and the public JWK to publish in a JWKS. */
export async function generateEddsaKeyPair(
  kid: string,
): Promise<{ signingKey: ServiceSigningKey; publicJwk: JWK; privateJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", {
    crv: "Ed25519",
    extractable: true,
  });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: "EdDSA" };
  return { signingKey: { alg: "EdDSA", key: privateKey, kid }, publicJwk, privateJwk };
}
