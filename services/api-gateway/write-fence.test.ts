import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ROUTES_CHANNEL } from "@/lib/contracts/domains";
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
    { name: "identity", state: "migrated", legacyUrl: legacy.url, serviceUrl: identity.url },
  ]);
});
afterAll(async () => {
  await gateway?.close();
  await Promise.all([legacy?.close(), identity?.close()]);
});

async function setFence(on: boolean) {
  await gateway.pool.query("update domains set write_fence = $1 where name = 'identity'", [on]);
  await gateway.pool.query("select pg_notify($1, 'identity')", [ROUTES_CHANNEL]);
}

const post = () =>
  fetch(`${gateway.baseUrl}/api/identity/v1/users`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ did: "did:key:z6MkFence", displayName: "Fence", roles: ["student"] }),
  });

describe("a rollback's write fence at the gateway", () => {
  it("answers writes 503 with Retry-After while fenced, forwards reads, and opens nothing", async () => {
    await setFence(true);
    await vi.waitFor(async () => expect((await post()).status).toBe(503), { timeout: 3_000 });
    identity.received.length = 0;
    const fenced = await post();
    expect(fenced.status).toBe(503);
    expect(fenced.headers.get("retry-after")).toBe("1");
    expect((await fenced.json()).error.message).toMatch(
      /writes to identity are paused .* rolls back to legacy/,
    );
    expect(identity.received).toHaveLength(0);
    const read = await fetch(
      `${gateway.baseUrl}/api/identity/v1/users/6f1c7d2e-1111-4a2b-9c3d-000000000001`,
    );
    expect(read.headers.get("x-keiko-upstream")).toBe("identity");
    expect(identity.received).toHaveLength(1);
    expect(gateway.app.gateway.breakers.status("identity", "service").state).toBe("closed");
  });

  it("forwards writes again once the fence is down", async () => {
    await setFence(false);
    await vi.waitFor(async () => expect((await post()).status).not.toBe(503), { timeout: 3_000 });
    expect(identity.received.some((r) => r.method === "POST")).toBe(true);
  });
});
