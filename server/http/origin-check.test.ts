import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ConsoleRoutes,
  type CookieJar,
  startConsoleRoutes,
} from "@/server/auth/testing/console-harness";

let routes: ConsoleRoutes;
let admin: CookieJar;

beforeAll(async () => {
  routes = await startConsoleRoutes();
  admin = (await routes.signIn("test-admin", "correct horse battery staple")).jar;
});
afterAll(() => routes?.close());

const newOperator = (username: string) => ({
  username,
  displayName: username,
  role: "viewer",
  password: "a long enough password",
});

async function create(username: string, headers: Record<string, string>) {
  return routes.callTrpc("operators.create", {
    jar: admin,
    mutation: true,
    input: newOperator(username),
    headers,
  });
}

async function exists(username: string): Promise<boolean> {
  const { rows } = await routes.fx.pool.query("select 1 from operators where username = $1", [
    username,
  ]);
  return rows.length > 0;
}

describe("Origin check on tRPC mutations", () => {
  it("refuses a mutation from another site with 403 and a plain message, and changes nothing", async () => {
    const response = await create("mallory", { origin: "https://evil.example" });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      error: {
        code: "FORBIDDEN",
        message:
          "this request comes from another site (Origin https://evil.example); changes are accepted only from the console's own pages",
      },
    });
    expect(await exists("mallory")).toBe(false);
  });

  it("judges by Referer when there is no Origin, and refuses an opaque `null` origin", async () => {
    expect((await create("mallory", { referer: "https://evil.example/page" })).status).toBe(403);
    expect((await create("mallory", { origin: "null" })).status).toBe(403);
    expect((await create("mallory", { origin: "http://127.0.0.1:3000.evil.example" })).status).toBe(
      403,
    );
    expect(await exists("mallory")).toBe(false);
  });

  it("accepts the console's own origin (by Host or by NEXTAUTH_URL)", async () => {
    expect((await create("alice", { origin: routes.origin })).status).toBe(200);
    expect((await create("bob", { referer: `${routes.origin}/operators` })).status).toBe(200);
    expect(await exists("alice")).toBe(true);
    expect(await exists("bob")).toBe(true);
  });

  it("lets a request with neither header through to the procedure's own checks", async () => {
    const response = await routes.callTrpc("operators.create", {
      mutation: true,
      input: newOperator("carol"),
    });
    expect(response.status).toBe(401);
  });

  it("leaves queries alone", async () => {
    const response = await routes.callTrpc("operators.me", {
      jar: admin,
      headers: { origin: "https://evil.example" },
    });
    expect(response.status).toBe(200);
  });
});
