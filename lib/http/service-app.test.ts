import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueServiceToken } from "@/lib/auth/issue-service-token";
import { generateEddsaKeyPair, localJwksKey, sharedSecretKey } from "@/lib/auth/service-keys";
import { ErrorBodySchema } from "@/lib/contracts/errors";
import { IDENTITY_ROUTES, type User } from "@/lib/contracts/identity";
import { buildPath } from "@/lib/contracts/route";
import { bearerHeader } from "@/lib/http/bearer-token";
import { registerErrorHandling } from "@/lib/http/error-handler";
import { HttpError } from "@/lib/http/http-error";
import { type RouteHandlers, registerRouteTable } from "@/lib/http/register-route-table";
import { serviceAuth } from "@/lib/http/service-auth";

const secret = sharedSecretKey("a-shared-secret-of-at-least-32-bytes!");
const ada = {
  did: "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
  displayName: "Ada",
  roles: ["student", "tutor"],
};

/** A tiny in-memory identity service, with one deliberately broken behaviour. */
function identityHandlers(): RouteHandlers<typeof IDENTITY_ROUTES> {
  const users = new Map<string, User>();
  return {
    registerUser: ({ body }) => {
      if ([...users.values()].some((user) => user.did === body.did)) {
        throw new HttpError("conflict", `the DID ${body.did} is already registered`);
      }
      if (body.displayName === "boom") throw new Error("connection string postgres://secret@db");
      if (body.displayName === "db restarting") {
        // what node-postgres raises while the server shuts down, wrapped as drizzle wraps it
        const shutdown = Object.assign(
          new Error("terminating connection due to administrator command"),
          { code: "57P01" },
        );
        throw new Error("Failed query: insert into users …", { cause: shutdown });
      }
      const user = {
        id: body.id ?? crypto.randomUUID(),
        did: body.did,
        displayName: body.displayName,
        roles: body.roles,
        createdAt: new Date().toISOString(),
      };
      users.set(user.id, user);
      return user;
    },
    getUser: ({ params }) => {
      const user = users.get(params.userId);
      if (!user) throw new HttpError("not_found", `no user ${params.userId}`);
      return user;
    },
    resolveDid: ({ params }, request) => {
      // answers against the contract, to prove responses are checked where asked
      if (request.headers["x-break-contract"]) return { id: "nope" } as unknown as User;
      const user = [...users.values()].find((candidate) => candidate.did === params.did);
      if (!user) throw new HttpError("not_found", `no user with the DID ${params.did}`);
      return user;
    },
    listUsers: ({ query }) => {
      const items = [...users.values()].filter((u) => !query.role || u.roles.includes(query.role));
      return { items: items.slice(0, query.limit), nextCursor: null };
    },
  };
}

async function buildApp(key: Parameters<typeof serviceAuth>[1]["key"]): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  registerErrorHandling(app);
  await app.register(serviceAuth, { key, audience: "identity" });
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/metrics", async () => "# metrics\n");
  registerRouteTable(app, IDENTITY_ROUTES, identityHandlers(), { validateResponses: true });
  await app.ready();
  return app;
}

const token = (permissions = ["identity:read", "identity:write"], audience = "identity") =>
  issueServiceToken({
    key: secret,
    subject: "api-gateway",
    audience,
    serviceType: "gateway",
    permissions,
  });

describe("a service built from lib/http", () => {
  let app: FastifyInstance;
  let auth: { authorization: string };

  beforeAll(async () => {
    app = await buildApp(secret);
    auth = { authorization: bearerHeader(await token()) };
  });
  afterAll(() => app.close());

  function expectError(response: { statusCode: number; json(): unknown }, status: number) {
    expect(response.statusCode).toBe(status);
    const body = ErrorBodySchema.parse(response.json());
    return body.error;
  }

  it("serves /healthz and /metrics without a token", async () => {
    expect((await app.inject({ url: "/healthz" })).json()).toEqual({ status: "ok" });
    expect((await app.inject({ url: "/metrics" })).statusCode).toBe(200);
  });

  it("registers, reads and lists through the contract routes", async () => {
    const created = await app.inject({
      method: "POST",
      url: IDENTITY_ROUTES.registerUser.path,
      headers: auth,
      payload: ada,
    });
    expect(created.statusCode).toBe(201);
    const user = created.json() as User;
    expect(user).toMatchObject({ ...ada });
    const path = buildPath(IDENTITY_ROUTES.getUser, { userId: user.id });
    expect((await app.inject({ url: path, headers: auth })).json()).toEqual(user);
    const byDid = buildPath(IDENTITY_ROUTES.resolveDid, { did: ada.did });
    expect((await app.inject({ url: byDid, headers: auth })).json()).toEqual(user);
    const list = await app.inject({
      url: "/api/identity/v1/users?role=tutor&limit=5",
      headers: auth,
    });
    expect(list.json()).toEqual({ items: [user], nextCursor: null });
  });

  it.each([
    ["no header", undefined, "missing"],
    ["another scheme", "Basic YWRhOmxvdmVsYWNl", "malformed"],
    ["garbage", "Bearer not-a-jwt", "malformed"],
  ])("answers 401 for %s", async (_, authorization, reason) => {
    const headers = authorization ? { authorization } : {};
    const response = await app.inject({ url: "/api/identity/v1/users", headers });
    const error = expectError(response, 401);
    expect(error.code).toBe("unauthorized");
    expect(error.details).toEqual({ reason });
  });

  it("answers 401 wrong_audience for a token meant for another service", async () => {
    const headers = { authorization: bearerHeader(await token(undefined, "learning")) };
    const response = await app.inject({ url: "/api/identity/v1/users", headers });
    expect(expectError(response, 401).details).toEqual({ reason: "wrong_audience" });
  });

  it("answers 403 when the token lacks the route's permission", async () => {
    const headers = { authorization: bearerHeader(await token(["identity:read"])) };
    expect((await app.inject({ url: "/api/identity/v1/users", headers })).statusCode).toBe(200);
    const response = await app.inject({
      method: "POST",
      url: "/api/identity/v1/users",
      headers,
      payload: { ...ada, did: "did:key:other" },
    });
    const error = expectError(response, 403);
    expect(error).toEqual({
      code: "forbidden",
      message: "api-gateway lacks the permission identity:write",
      details: { reason: "missing_permission" },
    });
  });

  it("answers 400 with a message a person understands for a bad body", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/api/identity/v1/users",
      headers: auth,
      payload: { did: "alice", roles: ["teacher"], extra: 1 },
    });
    const error = expectError(response, 400);
    expect(error.code).toBe("bad_request");
    expect(error.message).toBe(
      "invalid request body: body.did: expected a DID such as did:key:z6Mk…; " +
        "body.displayName: is required; " +
        "body.roles[0]: role must be one of student, tutor, institution; " +
        'body: Unrecognized key: "extra"',
    );
    expect(error.details?.issues).toContainEqual({
      path: "body.displayName",
      message: "is required",
    });
  });

  it("answers 400 for bad path parameters and query values", async () => {
    const params = await app.inject({ url: "/api/identity/v1/users/42", headers: auth });
    expect(expectError(params, 400).message).toBe(
      "invalid request path parameters: params.userId: expected a UUID",
    );
    const query = await app.inject({ url: "/api/identity/v1/users?limit=1000", headers: auth });
    expect(expectError(query, 400).message).toBe(
      "invalid request query: query.limit: limit must be a whole number between 1 and 100",
    );
  });

  it("answers 400 for a body that is not JSON", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/api/identity/v1/users",
      headers: { ...auth, "content-type": "application/json" },
      payload: "{not json",
    });
    expect(expectError(response, 400).code).toBe("bad_request");
  });

  it("sends the handler's own 4xx errors as they are", async () => {
    const missing = await app.inject({
      url: `/api/identity/v1/users/${crypto.randomUUID()}`,
      headers: auth,
    });
    expect(expectError(missing, 404).code).toBe("not_found");
    const again = await app.inject({
      method: "POST",
      url: "/api/identity/v1/users",
      headers: auth,
      payload: ada,
    });
    expect(expectError(again, 409).message).toBe(`the DID ${ada.did} is already registered`);
  });

  it("hides the internals of an unexpected error", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/api/identity/v1/users",
      headers: auth,
      payload: { ...ada, did: "did:key:boom", displayName: "boom" },
    });
    expect(expectError(response, 500)).toEqual({ code: "internal", message: "internal error" });
    expect(response.body).not.toContain("postgres");
  });

  it("answers 503 with Retry-After, and no internals, while the database is unavailable", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/api/identity/v1/users",
      headers: auth,
      payload: { ...ada, did: "did:key:restart", displayName: "db restarting" },
    });
    expect(expectError(response, 503)).toEqual({
      code: "unavailable",
      message: "the database is unavailable for a moment; retry shortly",
    });
    expect(response.headers["retry-after"]).toBe("1");
    expect(response.body).not.toContain("administrator");
  });

  it("answers 500 naming the fields when a response breaks its contract (tests only)", async () => {
    const response = await app.inject({
      url: buildPath(IDENTITY_ROUTES.resolveDid, { did: ada.did }),
      headers: { ...auth, "x-break-contract": "1" },
    });
    const error = expectError(response, 500);
    expect(error.message).toBe("the response does not match its contract");
    expect(error.details?.issues).toContainEqual({ path: "did", message: "is required" });
  });

  it("answers unknown routes with the stable error body, after authentication", async () => {
    expect(expectError(await app.inject({ url: "/nope" }), 401).details).toEqual({
      reason: "missing",
    });
    const response = await app.inject({ url: "/nope?x=1", headers: auth });
    expect(expectError(response, 404)).toEqual({
      code: "not_found",
      message: "no route GET /nope",
    });
  });
});

describe("a service verifying EdDSA tokens with a JWKS", () => {
  it("accepts tokens of the published key and refuses others", async () => {
    const pair = await generateEddsaKeyPair("k1");
    const app = await buildApp(localJwksKey({ keys: [pair.publicJwk] }));
    try {
      const eddsa = await issueServiceToken({
        key: pair.signingKey,
        subject: "legacy-runtime",
        audience: "identity",
        serviceType: "legacy-runtime",
        permissions: ["identity:read"],
      });
      const ok = await app.inject({
        url: "/api/identity/v1/users",
        headers: { authorization: bearerHeader(eddsa) },
      });
      expect(ok.statusCode).toBe(200);
      const hs = await app.inject({
        url: "/api/identity/v1/users",
        headers: { authorization: bearerHeader(await token()) },
      });
      expect(hs.statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });
});
