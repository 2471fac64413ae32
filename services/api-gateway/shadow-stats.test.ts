import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGatewayStatsSnapshot } from "@/lib/resilience/stats-publisher";
import { startGatewayUnderTest } from "./testing/gateway-under-test";
import { startUpstreamStub, type UpstreamStub } from "./testing/upstream-stub";

let legacy: UpstreamStub;
let identity: UpstreamStub;
let gateway: Awaited<ReturnType<typeof startGatewayUnderTest>>;

beforeAll(async () => {
  [legacy, identity] = await Promise.all([
    startUpstreamStub({ audience: "legacy-runtime" }),
    startUpstreamStub({ audience: "identity" }),
  ]);
  gateway = await startGatewayUnderTest([
    { name: "identity", state: "shadow", legacyUrl: legacy.url, serviceUrl: identity.url },
  ]);
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([legacy, identity].map((stub) => stub?.close()));
});

describe("shadow copies in the gateway's statistics", () => {
  it("are counted apart from the new service's client traffic (slo-guard judges only the latter)", async () => {
    legacy.behave({ body: () => ({ ok: true }) });
    identity.behave({ status: 500, body: () => ({ error: { code: "internal" } }) });
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${gateway.baseUrl}/api/identity/v1/users/u-${i}`);
      expect(response.status).toBe(200);
    }
    await gateway.app.gateway.shadow.drain();
    const { stats, breakers } = gateway.app.gateway;
    const snapshot = buildGatewayStatsSnapshot({
      gatewayId: "test",
      breakers,
      stats,
      transitions: [],
      at: new Date(),
    });
    const service = snapshot.upstreams.find((u) => u.domain === "identity" && u.side === "service");
    expect(service?.window.requests).toBe(0);
    expect(service?.shadow?.window).toMatchObject({ requests: 4, errors: 4 });
    const metrics = await (await fetch(`${gateway.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /gateway_upstream_request_duration_seconds_count\{[^}]*side="service",traffic="shadow"[^}]*\} 4/,
    );
  });
});
