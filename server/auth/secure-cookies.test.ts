import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleRoutes, CookieJar, startConsoleRoutes } from "./testing/console-harness";

let routes: ConsoleRoutes;

beforeAll(async () => {
  routes = await startConsoleRoutes({ NEXTAUTH_URL: "https://console.example.org" });
});
afterAll(() => routes?.close());

describe("cookies behind https", () => {
  it("are Secure and __Secure- prefixed when NEXTAUTH_URL is https, and still sign in", async () => {
    const { response, jar } = await routes.signIn("test-viewer", "correct horse battery staple");
    expect(response.status).toBe(200);
    const session = response.headers
      .getSetCookie()
      .find((line) => line.startsWith("__Secure-next-auth.session-token="));
    expect(session).toBeDefined();
    expect(session).toMatch(/;\s*Secure/i);
    expect(session).toMatch(/;\s*HttpOnly/i);
    expect(session).toMatch(/;\s*SameSite=Lax/i);
    expect(await routes.me(jar)).toMatchObject({ username: "test-viewer" });

    // the same token under the plain name is not read: a cookie set over http cannot pose as it
    const plain = new CookieJar();
    const token = jar.cookies.get("__Secure-next-auth.session-token")?.value ?? "";
    plain.cookies.set("next-auth.session-token", { value: token, attributes: "" });
    expect(await routes.me(plain)).toBeNull();
  });
});
