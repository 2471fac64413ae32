import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleRoutes, CookieJar, startConsoleRoutes } from "./testing/console-harness";

const PASSWORD = "correct horse battery staple";
let routes: ConsoleRoutes;

beforeAll(async () => {
  routes = await startConsoleRoutes({
    LOGIN_FAILURES_PER_USERNAME: "10",
    LOGIN_FAILURES_PER_ADDRESS: "25",
    LOGIN_LOCKOUT_SECONDS: "900",
  });
});
afterAll(() => routes?.close());

/** One sign-in attempt through next-auth's route, as the login form makes it. */
async function attempt(username: string, password: string, address: string) {
  const { response } = await routes.signIn(username, password, new CookieJar(), address);
  const body = (await response.json()) as { url: string; error?: string };
  return { status: response.status, retryAfter: response.headers.get("retry-after"), body };
}

describe("login throttling", () => {
  it("thirty wrong passwords in a row: the eleventh and every one after is refused with 429", async () => {
    const answers = [];
    for (let i = 0; i < 30; i += 1) {
      answers.push(await attempt("test-operator", `wrong password ${i}`, "198.51.100.1"));
    }
    expect(answers.slice(0, 10).map((a) => a.status)).toEqual(Array(10).fill(401));
    expect(answers[0]?.body.url).toMatch(/error=CredentialsSignin/);
    expect(answers.slice(10).map((a) => a.status)).toEqual(Array(20).fill(429));
    const refused = answers[29];
    expect(Number(refused?.retryAfter)).toBeGreaterThan(800);
    expect(Number(refused?.retryAfter)).toBeLessThanOrEqual(900);
    expect(refused?.body.error).toBe(
      "Too many failed sign-ins for this username: try again in 15 minutes",
    );
    // the login form reads next-auth's `error` parameter from this url
    expect(new URL(refused?.body.url ?? "").searchParams.get("error")).toBe(refused?.body.error);

    // locked means locked: the right password, from another address, is refused too
    const right = await attempt("test-operator", PASSWORD, "198.51.100.2");
    expect(right.status).toBe(429);
    const rows = await routes.fx.pool.query(
      "select count(*)::int as n from operator_sessions s join operators o on o.id = s.operator_id where o.username = 'test-operator'",
    );
    expect(rows.rows[0].n).toBe(0);

    // once the lock has run out, the right password signs in again
    await routes.fx.pool.query("update login_throttle set expire = 0 where key like 'username:%'");
    expect((await attempt("test-operator", PASSWORD, "198.51.100.3")).status).toBe(200);
  });

  it("a success ends the run of failures for that username", async () => {
    for (let i = 0; i < 9; i += 1) await attempt("test-viewer", "wrong password", "198.51.100.4");
    expect((await attempt("test-viewer", PASSWORD, "198.51.100.4")).body.url).not.toMatch(/error/);
    for (let i = 0; i < 9; i += 1) {
      expect((await attempt("test-viewer", "wrong password", "198.51.100.4")).status).toBe(401);
    }
  });

  it("one address guessing many usernames is throttled; another address is not", async () => {
    const address = "203.0.113.9";
    for (let i = 0; i < 25; i += 1) {
      expect((await attempt(`nobody-${i}`, "wrong password", address)).status).toBe(401);
    }
    const refused = await attempt("test-admin", PASSWORD, address);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatch(/^Too many failed sign-ins from your address/);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect((await attempt("test-admin", PASSWORD, "203.0.113.10")).status).toBe(200);
  });

  it("an admin's password reset lifts the lock on that username", async () => {
    await routes.fx.admin.operators.create({
      username: "lin",
      displayName: "Lin",
      role: "viewer",
      password: PASSWORD,
    });
    for (let i = 0; i < 10; i += 1) await attempt("lin", "wrong password", "192.0.2.50");
    expect((await attempt("lin", PASSWORD, "192.0.2.51")).status).toBe(429);
    await routes.fx.admin.operators.update({ username: "lin", password: "a fresh passphrase" });
    expect((await attempt("lin", "a fresh passphrase", "192.0.2.51")).status).toBe(200);
    const { items } = await routes.fx.admin.audit.list({ target: "operator:lin", limit: 5 });
    expect(items.find((r) => r.action === "operator.update")?.after).toMatchObject({
      passwordReset: true,
      signInUnlocked: true,
    });
  });
});
