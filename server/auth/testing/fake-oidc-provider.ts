import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";

/** The identity the next token request is answered with. */
export type FakeIdentity = { sub: string; preferred_username?: string; name?: string };

/**
 * An OpenID Connect provider on a local port that speaks the real wire format (discovery, JWKS,
 * the token endpoint with an RS256 id token) and signs in whoever `next` names, with no login
 * page: a test takes the authorization URL's state and calls the console's callback itself.
 */
export async function startFakeOidcProvider(clientId: string) {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "test-key", alg: "RS256", use: "sig" };
  let next: FakeIdentity = { sub: "nobody" };
  let issuer = "";

  const server: Server = createServer(async (request, response) => {
    const path = new URL(request.url ?? "/", issuer).pathname;
    const json = (body: unknown) => {
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify(body));
    };
    if (path === "/.well-known/openid-configuration") {
      return json({
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        userinfo_endpoint: `${issuer}/userinfo`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
        code_challenge_methods_supported: ["S256"],
      });
    }
    if (path === "/jwks") return json({ keys: [jwk] });
    if (path === "/token" && request.method === "POST") {
      for await (const _ of request) {
        // the code and verifier are not checked: this provider signs in `next` whatever it gets
      }
      const idToken = await new SignJWT({ ...next })
        .setProtectedHeader({ alg: "RS256", kid: "test-key" })
        .setIssuer(issuer)
        .setAudience(clientId)
        .setSubject(next.sub)
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(privateKey);
      return json({
        access_token: "fake-access-token",
        token_type: "Bearer",
        id_token: idToken,
        expires_in: 300,
      });
    }
    response.statusCode = 404;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    /** Who the provider signs in next. */
    signInNext(identity: FakeIdentity) {
      next = identity;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
