import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGatewayUnderTest } from "./testing/gateway-under-test";
import { startUpstreamStub, type UpstreamStub } from "./testing/upstream-stub";

let legacy: UpstreamStub;
let learning: UpstreamStub;
let passport: UpstreamStub;
let gateway: Awaited<ReturnType<typeof startGatewayUnderTest>>;

beforeAll(async () => {
  [legacy, learning, passport] = await Promise.all([
    startUpstreamStub({ audience: "legacy-runtime" }),
    startUpstreamStub({ audience: "learning" }),
    startUpstreamStub({ audience: "passport" }),
  ]);
  gateway = await startGatewayUnderTest([
    { name: "learning", state: "shadow", legacyUrl: legacy.url, serviceUrl: learning.url },
    { name: "passport", state: "migrated", legacyUrl: legacy.url, serviceUrl: passport.url },
  ]);
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([legacy, learning, passport].map((stub) => stub?.close()));
});

/** What a client might send to pass itself off as the gateway's shadow copy, or worse. */
const CLIENT_HEADERS = {
  "content-type": "application/json",
  "x-keiko-shadow": "1",
  "x-keiko-anything": "forged",
  "x-keiko-legacy-effects": "forged",
  "x-keiko-user": "user-7",
};

/** What the gateway itself tells a new service: the domains whose effects legacy applies. */
const GATEWAY_LEGACY_EFFECTS = expect.not.stringContaining("forged");

const internalHeaders = (headers: Record<string, unknown> | undefined) =>
  Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => name.startsWith("x-keiko-")));

describe("the gateway owns the internal headers", () => {
  it("forwards no client x-keiko-* header but x-keiko-user to a domain's new service", async () => {
    const response = await fetch(`${gateway.baseUrl}/api/passport/v1/passports/u-1/entries`, {
      method: "POST",
      headers: CLIENT_HEADERS,
      body: JSON.stringify({ title: "real write" }),
    });
    expect(response.headers.get("x-keiko-upstream")).toBe("passport");
    expect(internalHeaders(passport.received.at(-1)?.headers)).toEqual({
      "x-keiko-legacy-effects": GATEWAY_LEGACY_EFFECTS,
      "x-keiko-user": "user-7",
    });
  });

  it("in shadow: legacy gets no mark, and only the gateway's own copy carries x-keiko-shadow", async () => {
    const before = learning.received.length;
    const response = await fetch(`${gateway.baseUrl}/api/learning/v1/interactions`, {
      method: "POST",
      headers: CLIENT_HEADERS,
      body: JSON.stringify({ type: "lesson" }),
    });
    expect(response.headers.get("x-keiko-upstream")).toBe("legacy-runtime");
    expect(internalHeaders(legacy.received.at(-1)?.headers)).toEqual({ "x-keiko-user": "user-7" });
    await expect.poll(() => learning.received.length).toBe(before + 1);
    expect(internalHeaders(learning.received.at(-1)?.headers)).toEqual({
      "x-keiko-legacy-effects": GATEWAY_LEGACY_EFFECTS,
      "x-keiko-shadow": "1",
      "x-keiko-user": "user-7",
    });
  });
});
