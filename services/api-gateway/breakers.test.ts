import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearBreakerOverride, setBreakerOverride } from "@/lib/resilience/breaker-overrides";
import type { BreakerTransitionEvent } from "@/lib/resilience/circuit-breakers";
import { readGatewayStats } from "@/lib/resilience/stats-publisher";
import { startGatewayUnderTest } from "./testing/gateway-under-test";
import { startUpstreamStub, type UpstreamStub } from "./testing/upstream-stub";

/** Client requests allowed to fail when the service dies: the POSTs in flight at that moment. */
const POST_WORKERS = 2;
const GET_WORKERS = 4;

let legacy: UpstreamStub;
let learning: UpstreamStub;
let governanceLegacy: UpstreamStub;
let governance: UpstreamStub;
let gateway: Awaited<ReturnType<typeof startGatewayUnderTest>>;
const transitions: BreakerTransitionEvent[] = [];

beforeAll(async () => {
  [legacy, learning, governanceLegacy, governance] = await Promise.all([
    startUpstreamStub({ audience: "legacy-runtime" }),
    startUpstreamStub({ audience: "learning" }),
    startUpstreamStub({ audience: "legacy-runtime" }),
    startUpstreamStub({ audience: "governance" }),
  ]);
  gateway = await startGatewayUnderTest(
    [
      {
        name: "learning",
        state: "canary",
        canaryWeight: 60,
        legacyUrl: legacy.url,
        serviceUrl: learning.url,
      },
      {
        name: "governance",
        state: "legacy",
        legacyUrl: governanceLegacy.url,
        serviceUrl: governance.url,
      },
    ],
    {
      GATEWAY_BREAKER_CONSECUTIVE_FAILURES: "5",
      GATEWAY_BREAKER_HALF_OPEN_AFTER_MS: "300",
    },
  );
  gateway.app.gateway.breakers.onTransition((event) => transitions.push(event));
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([legacy, learning, governanceLegacy, governance].map((s) => s?.close()));
});

type Sample = { at: number; status: number; upstream: string | null; body: string };

function load() {
  const samples: Sample[] = [];
  let running = true;
  let user = 0;
  const loop = async (method: "GET" | "POST") => {
    while (running) {
      const at = performance.now();
      user += 1;
      try {
        const response = await fetch(`${gateway.baseUrl}/api/learning/v1/interactions`, {
          method,
          headers: { "x-keiko-user": `user-${user}`, "content-type": "application/json" },
          body: method === "POST" ? JSON.stringify({ n: user }) : undefined,
        });
        const body = await response.text();
        samples.push({
          at,
          status: response.status,
          upstream: response.headers.get("x-keiko-upstream"),
          body,
        });
      } catch (error) {
        samples.push({ at, status: 0, upstream: null, body: String(error) });
      }
    }
  };
  const loops = [
    ...Array.from({ length: GET_WORKERS }, () => loop("GET")),
    ...Array.from({ length: POST_WORKERS }, () => loop("POST")),
  ];
  return {
    samples,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const serviceBreaker = () => gateway.app.gateway.breakers.status("learning", "service").state;

describe("circuit breakers", () => {
  it("open when the canary's service dies, send its users to legacy, then half-open and close when it is back", async () => {
    learning.behave({ delayMs: 15 });
    const traffic = load();
    await sleep(400);
    await learning.kill();
    const killedAt = performance.now();
    await expect.poll(serviceBreaker, { interval: 10, timeout: 2_000 }).toBe("open");
    const openedAfterMs = performance.now() - killedAt;
    await sleep(800);
    await learning.revive();
    const revivedAt = performance.now();
    await expect.poll(serviceBreaker, { interval: 10, timeout: 3_000 }).toBe("closed");
    await expect
      .poll(
        () => traffic.samples.filter((s) => s.at > revivedAt && s.upstream === "learning").length,
      )
      .toBeGreaterThan(10);
    await traffic.stop();

    const { samples } = traffic;
    const failed = samples.filter((s) => s.status !== 200);
    // only requests in flight at the kill may fail: a POST may have run, so it is not repeated
    expect(failed.length).toBeLessThanOrEqual(POST_WORKERS);
    for (const failure of failed) {
      expect(failure.status).toBe(502);
      expect(JSON.parse(failure.body).error.details.upstream).toBe("learning");
    }
    expect(openedAfterMs).toBeLessThan(1_000);
    // while it was down, everyone was answered by legacy
    const whileDown = samples.filter((s) => s.at > killedAt + 50 && s.at < revivedAt);
    expect(whileDown.length).toBeGreaterThan(20);
    expect(whileDown.every((s) => s.status === 200 && s.upstream === "legacy-runtime")).toBe(true);
    const before = samples.filter((s) => s.at < killedAt);
    expect(before.some((s) => s.upstream === "learning")).toBe(true);

    const path = transitions
      .filter((t) => t.key === "learning:service")
      .map((t) => `${t.from}>${t.to}`);
    expect(path[0]).toBe("closed>open");
    expect(path.at(-2)).toBe("open>half-open");
    expect(path.at(-1)).toBe("half-open>closed");
    console.info(
      `service killed: ${samples.length} requests, ${failed.length} failed, breaker open after ${Math.round(openedAfterMs)} ms`,
    );

    // every call was recorded and published with the breaker's state
    await expect
      .poll(async () => {
        const stats = await readGatewayStats(gateway.redis, gateway.prefix);
        const upstream = stats.upstreams.find(
          (u) => u.domain === "learning" && u.side === "service",
        );
        return upstream && { state: upstream.breaker.state, errors: upstream.window.errors > 0 };
      })
      .toEqual({ state: "closed", errors: true });
  });

  it("answer a fast 503 when legacy's breaker is open", async () => {
    governanceLegacy.behave({ status: 500 });
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${gateway.baseUrl}/api/governance/v1/proposals`);
      expect(response.status).toBe(500);
    }
    const seen = governanceLegacy.received.length;
    const started = performance.now();
    const response = await fetch(`${gateway.baseUrl}/api/governance/v1/proposals`);
    expect(performance.now() - started).toBeLessThan(100);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: {
        code: "unavailable",
        message: "the circuit breaker of legacy-runtime is open",
        details: {
          upstream: "legacy-runtime",
          url: `${governanceLegacy.url}/api/governance/v1/proposals`,
          breaker: "open",
        },
      },
    });
    expect(governanceLegacy.received.length).toBe(seen);
    governanceLegacy.behave({});
    await expect
      .poll(async () => (await fetch(`${gateway.baseUrl}/api/governance/v1/proposals`)).status, {
        interval: 100,
      })
      .toBe(200);
  });

  it("follow an operator's override from Redis: forced open, then released", async () => {
    const user = { "x-keiko-user": "operator-test" };
    await gateway.setDomain("learning", "migrated");
    await expect
      .poll(async () =>
        (await fetch(`${gateway.baseUrl}/api/learning/v1/x`, { headers: user })).headers.get(
          "x-keiko-upstream",
        ),
      )
      .toBe("learning");
    await setBreakerOverride(gateway.redis, gateway.prefix, "learning", "service", "open");
    await expect
      .poll(() => gateway.app.gateway.breakers.status("learning", "service").forced)
      .toBe("open");
    const fallback = await fetch(`${gateway.baseUrl}/api/learning/v1/x`, { headers: user });
    expect(fallback.status).toBe(200);
    expect(fallback.headers.get("x-keiko-upstream")).toBe("legacy-runtime");
    await clearBreakerOverride(gateway.redis, gateway.prefix, "learning", "service");
    await expect
      .poll(() => gateway.app.gateway.breakers.status("learning", "service").forced)
      .toBeNull();
    const back = await fetch(`${gateway.baseUrl}/api/learning/v1/x`, { headers: user });
    expect(back.headers.get("x-keiko-upstream")).toBe("learning");
  });
});
