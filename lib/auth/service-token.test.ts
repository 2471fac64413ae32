import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportPKCS8, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueServiceToken } from "@/lib/auth/issue-service-token";
import {
  eddsaSigningKey,
  generateEddsaKeyPair,
  localJwksKey,
  remoteJwksKey,
  sharedSecretKey,
} from "@/lib/auth/service-keys";
import { verifyServiceToken } from "@/lib/auth/verify-service-token";

const secret = sharedSecretKey("a-shared-secret-of-at-least-32-bytes!");
const now = new Date("2026-11-27T12:00:00Z");
const nowSeconds = now.getTime() / 1000;

const gatewayToken = (overrides: Partial<Parameters<typeof issueServiceToken>[0]> = {}) =>
  issueServiceToken({
    key: secret,
    subject: "api-gateway",
    audience: "identity",
    serviceType: "gateway",
    permissions: ["identity:read", "identity:write"],
    now,
    ...overrides,
  });

const verifyAt = (token: string | undefined, at: Date = now, permission?: string) =>
  verifyServiceToken(token, { key: secret, audience: "identity", permission, now: at });

async function reasonOf(result: Promise<Awaited<ReturnType<typeof verifyServiceToken>>>) {
  const settled = await result;
  return settled.ok ? "ok" : `${settled.error.status} ${settled.error.reason}`;
}

/** A token with exactly these claims, signed with the shared secret. */
function rawToken(claims: Record<string, unknown>, alg = "HS256") {
  return new SignJWT(claims).setProtectedHeader({ alg }).sign(secret.key as Uint8Array);
}

const goodClaims = {
  sub: "api-gateway",
  iss: "keiko-platform",
  aud: "identity",
  iat: nowSeconds,
  exp: nowSeconds + 60,
  service_type: "gateway",
  permissions: ["identity:read"],
};

describe("HS256 service tokens (the default)", () => {
  it("carry the claims of DESIGN.md and a 60 s lifetime", async () => {
    const result = await verifyAt(await gatewayToken());
    expect(result).toEqual({
      ok: true,
      claims: {
        sub: "api-gateway",
        iss: "keiko-platform",
        aud: "identity",
        iat: nowSeconds,
        exp: nowSeconds + 60,
        service_type: "gateway",
        permissions: ["identity:read", "identity:write"],
      },
    });
  });

  it("refuse a missing token with 401 missing", async () => {
    expect(await reasonOf(verifyAt(undefined))).toBe("401 missing");
    expect(await reasonOf(verifyAt(""))).toBe("401 missing");
  });

  it("refuse a token for another service with 401 wrong_audience", async () => {
    expect(await reasonOf(verifyAt(await gatewayToken({ audience: "learning" })))).toBe(
      "401 wrong_audience",
    );
    expect(await reasonOf(verifyAt(await rawToken({ ...goodClaims, aud: undefined })))).toBe(
      "401 wrong_audience",
    );
  });

  it("refuse a token of another issuer with 401 wrong_issuer", async () => {
    expect(await reasonOf(verifyAt(await rawToken({ ...goodClaims, iss: "someone-else" })))).toBe(
      "401 wrong_issuer",
    );
  });

  it("refuse an expired token with 401 expired, within a 5 s clock tolerance", async () => {
    const token = await gatewayToken();
    const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);
    expect(await reasonOf(verifyAt(token, at(64)))).toBe("ok");
    expect(await reasonOf(verifyAt(token, at(66)))).toBe("401 expired");
  });

  it("refuse a long-lived token once it is older than the maximum age", async () => {
    const token = await gatewayToken({ lifetimeSeconds: 3600 });
    expect(await reasonOf(verifyAt(token, new Date(now.getTime() + 400_000)))).toBe("401 expired");
  });

  it("refuse a token issued in the future with 401 not_yet_valid", async () => {
    const token = await gatewayToken({ now: new Date(now.getTime() + 60_000) });
    expect(await reasonOf(verifyAt(token))).toBe("401 not_yet_valid");
  });

  it("refuse malformed tokens with 401 malformed", async () => {
    expect(await reasonOf(verifyAt("not-a-jwt"))).toBe("401 malformed");
    expect(await reasonOf(verifyAt("a.b.c"))).toBe("401 malformed");
    const unsigned = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(
      JSON.stringify(goodClaims),
    ).toString("base64url")}.`;
    expect(await reasonOf(verifyAt(unsigned))).toBe("401 malformed");
  });

  it("refuse a token signed with another secret with 401 bad_signature", async () => {
    const other = sharedSecretKey("another-secret-that-is-32-bytes-long!!");
    expect(await reasonOf(verifyAt(await gatewayToken({ key: other })))).toBe("401 bad_signature");
    const token = await gatewayToken();
    const [header, , signature] = token.split(".");
    const forged = Buffer.from(JSON.stringify({ ...goodClaims, permissions: ["*"] })).toString(
      "base64url",
    );
    expect(await reasonOf(verifyAt(`${header}.${forged}.${signature}`))).toBe("401 bad_signature");
  });

  it("refuse claims of the wrong shape with 401 invalid_claims", async () => {
    const { permissions: _, ...withoutPermissions } = goodClaims;
    expect(await reasonOf(verifyAt(await rawToken(withoutPermissions)))).toBe("401 invalid_claims");
    expect(await reasonOf(verifyAt(await rawToken({ ...goodClaims, service_type: "robot" })))).toBe(
      "401 invalid_claims",
    );
    expect(await reasonOf(verifyAt(await rawToken({ ...goodClaims, sub: undefined })))).toBe(
      "401 invalid_claims",
    );
  });

  it("refuse a token without the needed permission with 403 missing_permission", async () => {
    const token = await gatewayToken({ permissions: ["identity:read"] });
    expect(await reasonOf(verifyAt(token, now, "identity:read"))).toBe("ok");
    const denied = await verifyAt(token, now, "identity:write");
    expect(denied.ok).toBe(false);
    if (denied.ok) return;
    expect(denied.error.status).toBe(403);
    expect(denied.error.reason).toBe("missing_permission");
    expect(denied.error.message).toBe("api-gateway lacks the permission identity:write");
  });

  it("refuse secrets that are too short and lifetimes out of range", async () => {
    expect(() => sharedSecretKey("short")).toThrow(/at least 32 bytes/);
    await expect(gatewayToken({ lifetimeSeconds: 0 })).rejects.toThrow(/lifetimeSeconds/);
  });
});

describe("EdDSA service tokens verified with a JWKS", () => {
  let pair: Awaited<ReturnType<typeof generateEddsaKeyPair>>;
  let server: Server;
  let jwksUrl: URL;
  let jwksRequests = 0;

  beforeAll(async () => {
    pair = await generateEddsaKeyPair("gateway-2026-11");
    server = createServer((request, response) => {
      jwksRequests += 1;
      if (request.url !== "/.well-known/jwks.json") {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { "content-type": "application/jwk-set+json" });
      response.end(JSON.stringify({ keys: [pair.publicJwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    jwksUrl = new URL(`http://127.0.0.1:${port}/.well-known/jwks.json`);
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const eddsaToken = (key = pair.signingKey) =>
    issueServiceToken({
      key,
      subject: "api-gateway",
      audience: "identity",
      serviceType: "gateway",
      permissions: ["identity:read"],
      now,
    });

  it("verify with a local JWKS", async () => {
    const key = localJwksKey({ keys: [pair.publicJwk] });
    const result = await verifyServiceToken(await eddsaToken(), { key, audience: "identity", now });
    expect(result.ok && result.claims.sub).toBe("api-gateway");
  });

  it("verify with a remote JWKS fetched over HTTP, once for many tokens", async () => {
    const key = remoteJwksKey(jwksUrl);
    const before = jwksRequests;
    for (let i = 0; i < 3; i++) {
      const result = await verifyServiceToken(await eddsaToken(), {
        key,
        audience: "identity",
        now,
      });
      expect(result.ok).toBe(true);
    }
    expect(jwksRequests - before).toBe(1);
    const wrongAudience = await verifyServiceToken(await eddsaToken(), {
      key,
      audience: "learning",
      now,
    });
    expect(!wrongAudience.ok && wrongAudience.error.reason).toBe("wrong_audience");
  });

  it("sign with a key read from a private JWK or a PKCS#8 PEM", async () => {
    const key = localJwksKey({ keys: [pair.publicJwk] });
    const fromJwk = await eddsaSigningKey(pair.privateJwk, "gateway-2026-11");
    const pem = await exportPKCS8(pair.signingKey.key as CryptoKey);
    const fromPem = await eddsaSigningKey(pem, "gateway-2026-11");
    for (const signingKey of [fromJwk, fromPem]) {
      const result = await verifyServiceToken(await eddsaToken(signingKey), {
        key,
        audience: "identity",
        now,
      });
      expect(result.ok).toBe(true);
    }
  });

  it("refuse a token of a key not in the set with 401 unknown_key", async () => {
    const stranger = await generateEddsaKeyPair("stranger");
    const key = localJwksKey({ keys: [pair.publicJwk] });
    const result = await verifyServiceToken(await eddsaToken(stranger.signingKey), {
      key,
      audience: "identity",
      now,
    });
    expect(!result.ok && `${result.error.status} ${result.error.reason}`).toBe("401 unknown_key");
  });

  it("refuse a forged token signed with another key under the same kid", async () => {
    const impostor = await generateEddsaKeyPair("gateway-2026-11");
    const key = localJwksKey({ keys: [pair.publicJwk] });
    const result = await verifyServiceToken(await eddsaToken(impostor.signingKey), {
      key,
      audience: "identity",
      now,
    });
    expect(!result.ok && result.error.reason).toBe("bad_signature");
  });

  it("refuse an HS256 token where EdDSA is expected (no algorithm confusion)", async () => {
    const key = localJwksKey({ keys: [pair.publicJwk] });
    const result = await verifyServiceToken(await gatewayToken(), {
      key,
      audience: "identity",
      now,
    });
    expect(!result.ok && `${result.error.status} ${result.error.reason}`).toBe("401 malformed");
  });

  it("answer 503 keys_unavailable when the JWKS cannot be fetched", async () => {
    const key = remoteJwksKey(new URL("/missing.json", jwksUrl));
    const result = await verifyServiceToken(await eddsaToken(), { key, audience: "identity", now });
    expect(!result.ok && `${result.error.status} ${result.error.reason}`).toBe(
      "503 keys_unavailable",
    );
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = remoteJwksKey(new URL(`http://127.0.0.1:${port}/jwks.json`));
    const refused = await verifyServiceToken(await eddsaToken(), {
      key: unreachable,
      audience: "identity",
      now,
    });
    expect(!refused.ok && refused.error.reason).toBe("keys_unavailable");
  });
});
