import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { redisScope } from "@/lib/events/testing/redis-scope";
import { gatewayStatsChannel } from "@/lib/resilience/redis-keys";
import { createControlPlaneClient } from "./control-plane";
import { type GuardActionEvent, type SloGuard, startSloGuard } from "./guard-loop";
import {
  type FakeControlPlane,
  type GuardDomain,
  guardDomain,
  rolloutPlan,
  startFakeControlPlane,
} from "./testing/fake-control-plane";
import { type SyntheticGateway, startSyntheticGateway } from "./testing/synthetic-gateway";

const SECRET = "slo-guard-test-secret-0123456789abcdef";
/** The target is 3 s to traffic on legacy; the gateway takes up to 1 s of it. */
const ROLLBACK_BOUND_MS = 2_000;

describe("slo-guard loop (real Redis, control plane over tRPC)", () => {
  const scope = redisScope({ per: "test" });
  let controlPlane: FakeControlPlane | null;
  let gateway: SyntheticGateway | null;
  let guard: SloGuard | null;
  let actions: GuardActionEvent[];
  let logLines: string[];

  beforeEach(() => {
    controlPlane = null;
    gateway = null;
    guard = null;
    actions = [];
    logLines = [];
  });

  afterEach(async () => {
    await guard?.stop();
    await gateway?.stop();
    await controlPlane?.close();
  });

  async function start(domains: GuardDomain[], intervalMs = 250): Promise<FakeControlPlane> {
    const { client: redis, prefix } = scope;
    const fake = await startFakeControlPlane({ serviceTokenSecret: SECRET, domains });
    controlPlane = fake;
    const logs = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    guard = await startSloGuard({
      redis,
      prefix,
      controlPlane: createControlPlaneClient({ url: fake.url, serviceTokenSecret: SECRET }),
      logger: pino({ level: "debug" }, logs),
      intervalMs,
      onAction: (event) => actions.push(event),
    });
    expect(guard.state?.domains.map((d) => d.domain)).toEqual(domains.map((d) => d.domain));
    return fake;
  }

  it("rolls a breaching canary back within the bound, once, with the measured values", async () => {
    const { client: redis, prefix } = scope;
    const fake = await start([
      guardDomain("learning", { state: "canary", canaryWeight: 25, policy: { windowSeconds: 5 } }),
      guardDomain("identity", { state: "migrated", canaryWeight: 100 }),
    ]);
    gateway = startSyntheticGateway({ redis, prefix, domain: "learning" });
    // healthy traffic for a while: nothing happens
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    expect(fake.rollbacks).toEqual([]);
    expect(guard?.gateways).toBe(1);

    const injectedAt = Date.now();
    gateway.setErrorShare(0.5);
    expect(await fake.waitFor(() => fake.rollbacks.length > 0, 5_000)).toBe(true);
    const rollback = fake.rollbacks[0];
    const arrivedMs = (rollback?.receivedAt ?? 0) - injectedAt;
    console.info(
      `slo-guard loop test: rollback call arrived ${arrivedMs} ms after the errors began`,
    );
    expect(arrivedMs).toBeLessThan(ROLLBACK_BOUND_MS);
    expect(rollback).toMatchObject({ domain: "learning", breach: { windowSeconds: 5 } });
    expect(rollback?.reason).toMatch(/^error rate \d+\.\d % > 5 % over 5 s \(\d+ requests\)$/);
    expect(rollback?.reason).toContain(`(${rollback?.breach.requests} requests)`);
    // the window went over the limit in the second of the injection or a later one
    const firstSeenAt = rollback?.breach.firstSeenAt.getTime() ?? 0;
    expect(firstSeenAt).toBeGreaterThanOrEqual(Math.floor(injectedAt / 1000) * 1000);
    expect(firstSeenAt).toBeLessThanOrEqual(rollback?.receivedAt ?? 0);

    await expect.poll(() => actions.length).toBe(1);
    const event = actions[0];
    expect(event).toMatchObject({ action: "rollback", ok: true, domain: "learning" });
    if (event?.action === "rollback" && event.ok) {
      console.info(
        `slo-guard loop test: ${event.breachToRollbackMs} ms from the start of the breach ` +
          `(decided after ${event.detectMs} ms, call ${event.callMs} ms)`,
      );
      expect(event.breachToRollbackMs).toBeLessThan(ROLLBACK_BOUND_MS + 1_000);
    }
    expect(logLines.join("")).toMatch(/"breachToRollbackMs":\d+.*rolled back learning: error rate/);

    // errors go on, more snapshots arrive: no second rollback, and the guard sees legacy
    await expect.poll(() => guard?.state?.domains[0]?.state, { timeout: 3_000 }).toBe("legacy");
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(fake.rollbacks).toHaveLength(1);
    expect(fake.domain("identity").state).toBe("migrated");
  });

  it("retries a rollback whose call failed", async () => {
    const { client: redis, prefix } = scope;
    const fake = await start([
      guardDomain("learning", { state: "canary", canaryWeight: 25, policy: { windowSeconds: 3 } }),
    ]);
    fake.failNextRollbacks(1);
    gateway = startSyntheticGateway({ redis, prefix, domain: "learning" });
    gateway.setErrorShare(1);
    expect(await fake.waitFor(() => fake.rollbacks.length > 0, 5_000)).toBe(true);
    await expect.poll(() => actions.map((a) => a.ok)).toEqual([false, true]);
    expect(fake.rollbacks).toHaveLength(1);
  });

  it("promotes a rollout plan step by step while its holds are healthy", async () => {
    const { client: redis, prefix } = scope;
    const plan = rolloutPlan("learning", {
      steps: [10, 50],
      holdSeconds: [1, 1],
      stepStartedAt: new Date(),
    });
    const fake = await start([
      guardDomain("learning", {
        state: "canary",
        canaryWeight: 10,
        plan,
        policy: { windowSeconds: 2, minRequests: 20 },
      }),
    ]);
    gateway = startSyntheticGateway({ redis, prefix, domain: "learning" });
    expect(await fake.waitFor(() => fake.domain("learning").state === "migrated", 8_000)).toBe(
      true,
    );
    expect(fake.promotions.map((p) => p.fromStep)).toEqual([0, 1]);
    expect(fake.domain("learning").plan?.status).toBe("completed");
    await expect.poll(() => actions.map((a) => a.action)).toEqual(["promote", "promote"]);
    expect(fake.rollbacks).toEqual([]);
  });

  it("does not promote a paused plan, nor a step without enough traffic", async () => {
    const plan = rolloutPlan("learning", {
      steps: [10, 50],
      holdSeconds: [1, 1],
      stepStartedAt: new Date(Date.now() - 5_000),
    });
    const fake = await start([
      guardDomain("learning", { state: "canary", canaryWeight: 10, plan }),
      guardDomain("passport", {
        state: "canary",
        canaryWeight: 10,
        plan: { ...rolloutPlan("passport"), status: "paused", holdSeconds: [1, 1, 1] },
      }),
    ]);
    // no gateway traffic for learning; passport's plan is paused
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(fake.promotions).toEqual([]);
    expect(logLines.join("")).toContain(
      "waiting for traffic: 0 of 20 requests seen during the hold",
    );
    expect(logLines.join("")).toContain("plan paused at step 1 of 3");
  });

  it("ignores invalid snapshots on the channel and keeps going", async () => {
    const { client: redis, prefix } = scope;
    const fake = await start([
      guardDomain("learning", { state: "canary", canaryWeight: 25, policy: { windowSeconds: 3 } }),
    ]);
    await redis.publish(gatewayStatsChannel(prefix), "{not json");
    await redis.publish(gatewayStatsChannel(prefix), JSON.stringify({ gatewayId: "x" }));
    gateway = startSyntheticGateway({ redis, prefix, domain: "learning" });
    gateway.setErrorShare(1);
    expect(await fake.waitFor(() => fake.rollbacks.length > 0, 5_000)).toBe(true);
    expect(logLines.join("").match(/ignoring an invalid gateway snapshot/g)).toHaveLength(1);
  });
});
