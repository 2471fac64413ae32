import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueServiceToken } from "@/lib/auth/issue-service-token";
import { testServiceKey } from "@/lib/testing/contract-target";
import { canaryBucket } from "./choose-side";
import { startGatewayUnderTest } from "./testing/gateway-under-test";
import { rawRequest, startUpstreamStub, type UpstreamStub } from "./testing/upstream-stub";

let legacy: UpstreamStub;
let identity: UpstreamStub;
let learning: UpstreamStub;
let reputation: UpstreamStub;
let passport: UpstreamStub;
let slowLegacy: UpstreamStub;
let deadService: UpstreamStub;
let gateway: Awaited<ReturnType<typeof startGatewayUnderTest>>;

const operatorToken = () =>
  issueServiceToken({
    key: testServiceKey,
    subject: "console",
    audience: "api-gateway",
    serviceType: "control-plane",
    permissions: ["gateway:force-side"],
  });

beforeAll(async () => {
  [legacy, identity, learning, reputation, passport, slowLegacy, deadService] = await Promise.all([
    startUpstreamStub({ audience: "legacy-runtime" }),
    startUpstreamStub({ audience: "identity" }),
    startUpstreamStub({ audience: "learning" }),
    startUpstreamStub({ audience: "reputation" }),
    startUpstreamStub({ audience: "passport" }),
    startUpstreamStub({ audience: "legacy-runtime" }),
    startUpstreamStub({ audience: "governance" }),
  ]);
  slowLegacy.behave({ delayMs: 1_500 });
  await deadService.kill();
  gateway = await startGatewayUnderTest(
    [
      { name: "identity", state: "legacy", legacyUrl: legacy.url, serviceUrl: identity.url },
      { name: "learning", state: "shadow", legacyUrl: legacy.url, serviceUrl: learning.url },
      {
        name: "reputation",
        state: "canary",
        canaryWeight: 30,
        legacyUrl: legacy.url,
        serviceUrl: reputation.url,
      },
      { name: "passport", state: "migrated", legacyUrl: legacy.url, serviceUrl: passport.url },
      {
        name: "marketplace",
        state: "legacy",
        legacyUrl: slowLegacy.url,
        serviceUrl: slowLegacy.url,
      },
      {
        name: "governance",
        state: "migrated",
        legacyUrl: legacy.url,
        serviceUrl: deadService.url,
      },
    ],
    { GATEWAY_LEGACY_TIMEOUT_MS: "300" },
  );
});

afterAll(async () => {
  await gateway?.close();
  const stubs = [legacy, identity, learning, reputation, passport, slowLegacy, deadService];
  await Promise.all(stubs.map((stub) => stub?.close()));
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${gateway.baseUrl}${path}`, { headers });

describe("routing per state", () => {
  it("legacy: the legacy runtime answers, with a token for legacy-runtime and the domain's permissions", async () => {
    const response = await get("/api/identity/v1/users?limit=5");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-keiko-upstream")).toBe("legacy-runtime");
    expect(await response.json()).toEqual({
      answeredBy: "legacy-runtime",
      method: "GET",
      url: "/api/identity/v1/users?limit=5",
    });
    const seen = legacy.received.at(-1);
    expect(seen?.claims).toMatchObject({
      sub: "api-gateway",
      aud: "legacy-runtime",
      service_type: "gateway",
      permissions: ["identity:read", "identity:write"],
    });
    expect(identity.received).toHaveLength(0);
  });

  it("migrated: the new service answers, with a token whose audience is the domain", async () => {
    const response = await get("/api/passport/v1/passports/x");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-keiko-upstream")).toBe("passport");
    expect(passport.received.at(-1)?.claims).toMatchObject({
      aud: "passport",
      permissions: ["passport:read", "passport:write"],
    });
  });

  it("shadow: legacy answers, then the new service gets a marked copy", async () => {
    const before = learning.received.length;
    const response = await fetch(`${gateway.baseUrl}/api/learning/v1/interactions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "lesson" }),
    });
    expect(response.headers.get("x-keiko-upstream")).toBe("legacy-runtime");
    expect((await response.json()).answeredBy).toBe("legacy-runtime");
    await expect.poll(() => learning.received.length).toBe(before + 1);
    const copy = learning.received.at(-1);
    expect(copy?.headers["x-keiko-shadow"]).toBe("1");
    expect(copy?.body).toBe('{"type":"lesson"}');
    expect(copy?.claims.aud).toBe("learning");
  });

  it("canary: each user goes where its bucket says, by x-keiko-user, else by client address", async () => {
    for (let i = 0; i < 40; i++) {
      const user = `user-${i}`;
      const response = await get("/api/reputation/v1/scores/x", { "x-keiko-user": user });
      const expected =
        canaryBucket("reputation", `user:${user}`) < 30 ? "reputation" : "legacy-runtime";
      expect(response.headers.get("x-keiko-upstream")).toBe(expected);
    }
    const byIp = canaryBucket("reputation", "ip:127.0.0.1") < 30 ? "reputation" : "legacy-runtime";
    const anonymous = await get("/api/reputation/v1/scores/x");
    expect(anonymous.headers.get("x-keiko-upstream")).toBe(byIp);
  });

  it("an operator token forces a side for one request", async () => {
    const forced = await get("/api/identity/v1/users", {
      "x-keiko-force-side": "service",
      "x-keiko-operator-token": await operatorToken(),
    });
    expect(forced.status).toBe(200);
    expect(forced.headers.get("x-keiko-upstream")).toBe("identity");
    // the operator's token never travels upstream
    expect(identity.received.at(-1)?.headers["x-keiko-operator-token"]).toBeUndefined();
    const next = await get("/api/identity/v1/users");
    expect(next.headers.get("x-keiko-upstream")).toBe("legacy-runtime");
  });

  it("no stub ever refused a token", () => {
    for (const stub of [legacy, identity, learning, reputation, passport]) {
      expect(stub.refusedTokens).toBe(0);
    }
  });
});

describe("forwarding", () => {
  it("strips hop-by-hop headers, adds X-Forwarded-*, continues the trace with a new span", async () => {
    legacy.behave({
      headers: { connection: "x-upstream-hop", "x-upstream-hop": "1", "x-kept": "yes" },
    });
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const response = await rawRequest(`${gateway.baseUrl}/api/identity/v1/users/abc`, {
      headers: {
        connection: "x-client-hop",
        "x-client-hop": "secret",
        te: "trailers",
        "proxy-authorization": "Basic x",
        "x-forwarded-for": "203.0.113.7",
        "x-correlation-id": "corr-1",
        authorization: "Bearer client-token",
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      },
    });
    legacy.behave({});
    expect(response.status).toBe(200);
    expect(response.headers["x-kept"]).toBe("yes");
    expect(response.headers["x-upstream-hop"]).toBeUndefined();
    const seen = legacy.received.at(-1)?.headers ?? {};
    expect(seen["x-client-hop"]).toBeUndefined();
    expect(seen.te).toBeUndefined();
    expect(seen["proxy-authorization"]).toBeUndefined();
    expect(seen["x-correlation-id"]).toBe("corr-1");
    expect(seen["x-forwarded-for"]).toBe("203.0.113.7, 127.0.0.1");
    expect(seen["x-forwarded-proto"]).toBe("http");
    expect(seen["x-forwarded-host"]).toBe(new URL(gateway.baseUrl).host);
    expect(seen.authorization).not.toBe("Bearer client-token");
    expect(seen.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(seen.traceparent).not.toContain("00f067aa0ba902b7");
  });

  it("starts a trace when the caller sent none or a malformed one", async () => {
    await get("/api/identity/v1/users", { traceparent: "00-zzzz-bad-01" });
    expect(legacy.received.at(-1)?.headers.traceparent).toMatch(
      /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/,
    );
  });

  it("answers 502 when an upstream refuses, 504 when it is too slow, naming the upstream", async () => {
    const timedOut = await get("/api/marketplace/v1/offers");
    expect(timedOut.status).toBe(504);
    expect(await timedOut.json()).toEqual({
      error: {
        code: "gateway_timeout",
        message: "legacy-runtime failed: timeout",
        details: { upstream: "legacy-runtime", url: `${slowLegacy.url}/api/marketplace/v1/offers` },
      },
    });
    // forced to the service (no fallback to legacy), a refused connection is a 502
    const refused = await get("/api/governance/v1/proposals", {
      "x-keiko-force-side": "service",
      "x-keiko-operator-token": await operatorToken(),
    });
    expect(refused.status).toBe(502);
    expect(await refused.json()).toEqual({
      error: {
        code: "bad_gateway",
        message: "governance failed: connection refused",
        details: { upstream: "governance", url: `${deadService.url}/api/governance/v1/proposals` },
      },
    });
  });
});

describe("the gateway's own endpoints", () => {
  it("serves /healthz, /readyz and /metrics without proxying them", async () => {
    expect(await (await get("/healthz")).json()).toEqual({ status: "ok", service: "api-gateway" });
    const ready = await get("/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", domains: 6 });
    const metrics = await (await get("/metrics")).text();
    expect(metrics).toMatch(
      /gateway_upstream_request_duration_seconds_count\{[^}]*domain="identity"/,
    );
    expect(metrics).toMatch(/gateway_routed_domains\{[^}]*state="canary"[^}]*\} 1/);
  });
});
