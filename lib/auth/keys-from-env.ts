import {
  remoteJwksKey,
  type ServiceVerificationKey,
  sharedSecretKey,
} from "@/lib/auth/service-keys";

/** How a process verifies service tokens: HS256 with the shared secret, else EdDSA via a JWKS URL. */
export function verificationKeyFrom(config: {
  SERVICE_TOKEN_SECRET?: string;
  SERVICE_JWKS_URL?: string;
}): ServiceVerificationKey {
  if (config.SERVICE_TOKEN_SECRET) return sharedSecretKey(config.SERVICE_TOKEN_SECRET);
  if (config.SERVICE_JWKS_URL) return remoteJwksKey(new URL(config.SERVICE_JWKS_URL));
  throw new Error("set SERVICE_TOKEN_SECRET or SERVICE_JWKS_URL");
}
