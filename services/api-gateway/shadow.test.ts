import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { compareResponses } from "@/lib/parity/compare-responses";
import { readParity, resetParity } from "@/lib/parity/parity-store";
import { startGatewayUnderTest } from "./testing/gateway-under-test";
import { startUpstreamStub, type UpstreamStub } from "./testing/upstream-stub";

// the real comparison, watched: a byte-identical pair must not reach it
vi.mock("@/lib/parity/compare-responses", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/lib/parity/compare-responses")>();
  return { ...actual, compareResponses: vi.fn(actual.compareResponses) };
});

let legacy: UpstreamStub;
let identity: UpstreamStub;
let gateway: Awaited<ReturnType<typeof startGatewayUnderTest>>;

const SHADOW_CONCURRENCY = 3;
const USER_ID = "0b7f4a4e-3c1d-4f5e-9a2b-1c2d3e4f5a6b";
const legacyUser = {
  id: USER_ID,
  did: "did:key:z6MkLegacy",
  displayName: "Ada",
  roles: ["tutor"],
  createdAt: "2026-01-01T10:00:00.000Z",
};

beforeAll(async () => {
  [legacy, identity] = await Promise.all([
    startUpstreamStub({ audience: "legacy-runtime" }),
    startUpstreamStub({ audience: "identity" }),
  ]);
  gateway = await startGatewayUnderTest(
    [{ name: "identity", state: "shadow", legacyUrl: legacy.url, serviceUrl: identity.url }],
    { GATEWAY_SHADOW_CONCURRENCY: String(SHADOW_CONCURRENCY) },
  );
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([legacy, identity].map((stub) => stub?.close()));
});

beforeEach(async () => {
  legacy.behave({ body: () => legacyUser });
  identity.behave({});
  await gateway.app.gateway.shadow.drain();
  await resetParity(gateway.redis, gateway.prefix, "identity");
  vi.mocked(compareResponses).mockClear();
});

const parity = () => readParity(gateway.redis, gateway.prefix, "identity");

async function timedGet(path: string, headers: Record<string, string> = {}) {
  const started = performance.now();
  const response = await fetch(`${gateway.baseUrl}${path}`, { headers });
  const body = await response.json();
  return { status: response.status, body, ms: performance.now() - started, response };
}

describe("shadow", () => {
  it("answers the client from legacy, fast, whatever the new service does (slow and failing)", async () => {
    await timedGet(`/api/identity/v1/users/${USER_ID}`); // warm-up, not measured
    await gateway.app.gateway.shadow.drain();
    identity.behave({ status: 500, delayMs: 1_500, body: () => ({ error: { code: "internal" } }) });
    const started = performance.now();
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(await timedGet(`/api/identity/v1/users/${USER_ID}`));
    // all eight answered while the first copy is still waiting for the service
    expect(performance.now() - started).toBeLessThan(1_500);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual(legacyUser);
      expect(answer.response.headers.get("x-keiko-upstream")).toBe("legacy-runtime");
    }
    await gateway.app.gateway.shadow.drain();
    const report = await parity();
    expect(report.mismatched).toBeGreaterThan(0);
    expect(report.samples[0]?.diffs).toContainEqual({
      path: "status",
      kind: "changed",
      legacy: 200,
      service: 500,
    });
  });

  it("drops copies beyond its concurrency bound instead of queueing them", async () => {
    identity.behave({ delayMs: 300, body: () => legacyUser });
    identity.resetMaxInFlight();
    const metricsBefore = await droppedCopies();
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => timedGet(`/api/identity/v1/users/${USER_ID}`)),
    );
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    await gateway.app.gateway.shadow.drain();
    expect(identity.maxInFlight).toBeLessThanOrEqual(SHADOW_CONCURRENCY);
    expect((await droppedCopies()) - metricsBefore).toBeGreaterThan(0);
  });

  it("ignores the route's volatile fields and records other differences with a field-level diff", async () => {
    identity.behave({
      body: (request) => ({
        ...legacyUser,
        // another id and creation time are expected from another implementation
        id: "9c1d2e3f-0000-4000-8000-000000000001",
        createdAt: "2026-01-01T10:00:00.123Z",
        displayName: request.headers["x-test-variant"] === "renamed" ? "Ada L." : "Ada",
      }),
    });
    await timedGet(`/api/identity/v1/users/${USER_ID}`);
    await timedGet(`/api/identity/v1/users/${USER_ID}`);
    await timedGet(`/api/identity/v1/users/${USER_ID}`, { "x-test-variant": "renamed" });
    await expect.poll(async () => (await parity()).compared).toBe(3);
    // different bytes: each pair compared field by field
    expect(compareResponses).toHaveBeenCalledTimes(3);
    const report = await parity();
    expect(report).toMatchObject({ matched: 2, mismatched: 1 });
    expect(report.samples).toHaveLength(1);
    expect(report.samples[0]).toMatchObject({
      method: "GET",
      path: `/api/identity/v1/users/${USER_ID}`,
      route: "identity.getUser",
      legacyStatus: 200,
      serviceStatus: 200,
      diffs: [{ path: "body.displayName", kind: "changed", legacy: "Ada", service: "Ada L." }],
    });
    expect(report.samples[0]?.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it("counts byte-identical answers as a match without comparing them field by field", async () => {
    identity.behave({ body: () => legacyUser });
    for (let i = 0; i < 3; i++) await timedGet(`/api/identity/v1/users/${USER_ID}`);
    await gateway.app.gateway.shadow.drain();
    expect(await parity()).toMatchObject({ matched: 3, mismatched: 0, samples: [] });
    expect(compareResponses).not.toHaveBeenCalled();

    // the same bytes with another status are compared, and differ
    identity.behave({ status: 202, body: () => legacyUser });
    await timedGet(`/api/identity/v1/users/${USER_ID}`);
    await gateway.app.gateway.shadow.drain();
    expect(await parity()).toMatchObject({ matched: 3, mismatched: 1 });
    expect(compareResponses).toHaveBeenCalledTimes(1);
  });

  it("compares writes too: the copy carries the same body", async () => {
    identity.behave({ status: 201, body: (request) => JSON.parse(request.body) });
    legacy.behave({ status: 201, body: (request) => JSON.parse(request.body) });
    const response = await fetch(`${gateway.baseUrl}/api/identity/v1/users`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ did: "did:key:z6MkNew", displayName: "Bo", roles: ["student"] }),
    });
    expect(response.status).toBe(201);
    await expect.poll(async () => (await parity()).matched).toBe(1);
    expect(identity.received.at(-1)?.body).toBe(legacy.received.at(-1)?.body);
  });
});

async function droppedCopies(): Promise<number> {
  const text = await (await fetch(`${gateway.baseUrl}/metrics`)).text();
  const match = /gateway_shadow_mirrors_total\{[^}]*result="dropped"[^}]*\} (\d+)/.exec(text);
  return Number(match?.[1] ?? 0);
}
