import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import {
  type BreakerSettings,
  BreakerSettingsSchema,
  type BreakerTransitionEvent,
  CircuitBreakerRegistry,
  executeThroughBreaker,
  REJECTED,
} from "@/lib/resilience/circuit-breakers";

const failing = async (): Promise<string> => {
  throw new Error("upstream down");
};
const succeeding = async () => "ok";

function registryWith(settings: BreakerSettings) {
  const transitions: BreakerTransitionEvent[] = [];
  const registry = new CircuitBreakerRegistry({
    settings,
    onTransition: (event) => transitions.push(event),
  });
  return { registry, transitions };
}

const consecutive = (failures: number, halfOpenAfterMs = 60_000): BreakerSettings => ({
  opening: { kind: "consecutive", failures },
  halfOpenAfterMs,
});

describe("circuit breakers", () => {
  it("opens after N consecutive failures and then rejects without calling the upstream", async () => {
    const { registry, transitions } = registryWith(consecutive(3));
    for (let i = 0; i < 2; i += 1) {
      expect(await registry.execute("learning", "service", failing)).toMatchObject({
        kind: "threw",
      });
    }
    expect(registry.status("learning", "service").state).toBe("closed");
    await registry.execute("learning", "service", failing);
    expect(registry.status("learning", "service")).toMatchObject({
      key: "learning:service",
      state: "open",
      forced: null,
    });

    let called = false;
    const outcome = await registry.execute("learning", "service", async () => {
      called = true;
      return "ok";
    });
    expect(called).toBe(false);
    expect(outcome).toEqual({
      kind: "rejected",
      key: "learning:service",
      state: "open",
      forced: false,
    });
    expect(transitions.map(({ key, from, to }) => ({ key, from, to }))).toEqual([
      { key: "learning:service", from: "closed", to: "open" },
    ]);
    // Other upstreams have their own breaker.
    expect(await registry.execute("learning", "legacy", succeeding)).toEqual({
      kind: "completed",
      value: "ok",
      failed: false,
    });
  });

  it("a success resets the consecutive count", async () => {
    const { registry } = registryWith(consecutive(2));
    await registry.execute("identity", "service", failing);
    await registry.execute("identity", "service", succeeding);
    await registry.execute("identity", "service", failing);
    expect(registry.status("identity", "service").state).toBe("closed");
  });

  it("counts a resolved value as a failure when isFailure says so, and still returns it", async () => {
    const { registry } = registryWith(consecutive(2));
    const answer500 = async () => ({ status: 500 });
    const options = { isFailure: (value: { status: number }) => value.status >= 500 };
    expect(await registry.execute("passport", "service", answer500, options)).toEqual({
      kind: "completed",
      value: { status: 500 },
      failed: true,
    });
    await registry.execute("passport", "service", answer500, options);
    expect(registry.status("passport", "service").state).toBe("open");
  });

  it("half-opens after the duration, lets one probe through, and closes after its success", async () => {
    const { registry, transitions } = registryWith(consecutive(1, 50));
    const breaker = registry.breaker("governance", "service");
    await executeThroughBreaker(breaker, failing);
    expect(breaker.state).toBe("open");
    expect(await executeThroughBreaker(breaker, succeeding)).toMatchObject({ kind: "rejected" });

    await sleep(70);
    let finishProbe: (value: string) => void = () => {};
    const probe = executeThroughBreaker(
      breaker,
      () =>
        new Promise<string>((resolve) => {
          finishProbe = resolve;
        }),
    );
    expect(breaker.state).toBe("half-open");
    // Callers during the probe get an immediate answer, not a queue.
    expect(await executeThroughBreaker(breaker, succeeding)).toEqual({
      kind: "rejected",
      key: "governance:service",
      state: "half-open",
      forced: false,
    });
    finishProbe("probe ok");
    expect(await probe).toEqual({ kind: "completed", value: "probe ok", failed: false });
    expect(breaker.state).toBe("closed");
    expect(transitions.map(({ from, to }) => `${from}→${to}`)).toEqual([
      "closed→open",
      "open→half-open",
      "half-open→closed",
    ]);
  });

  it("reopens when the half-open probe fails", async () => {
    const { registry } = registryWith(consecutive(1, 30));
    await registry.execute("marketplace", "service", failing);
    await sleep(50);
    expect(await registry.execute("marketplace", "service", failing)).toMatchObject({
      kind: "threw",
    });
    expect(registry.status("marketplace", "service").state).toBe("open");
  });

  it("opens on the failure rate with the sampling breaker once the volume is reached", async () => {
    const { registry } = registryWith({
      opening: { kind: "rate", threshold: 0.5, windowMs: 1_000, minimumRps: 10 },
      halfOpenAfterMs: 60_000,
    });
    // Under the minimum volume, even all failures do not open it.
    for (let i = 0; i < 5; i += 1) await registry.execute("learning", "service", failing);
    expect(registry.status("learning", "service").state).toBe("closed");
    for (let i = 0; i < 4; i += 1) await registry.execute("learning", "service", succeeding);
    await registry.execute("learning", "service", failing);
    // 6 failures out of 10 calls > 50 %.
    expect(registry.status("learning", "service").state).toBe("open");
  });

  it("forced open rejects every call; release closes it with fresh counters", async () => {
    const { registry, transitions } = registryWith(consecutive(2));
    registry.force("identity", "legacy", "open");
    expect(registry.status("identity", "legacy")).toMatchObject({ state: "open", forced: "open" });
    expect(await registry.execute("identity", "legacy", succeeding)).toEqual({
      kind: "rejected",
      key: "identity:legacy",
      state: "open",
      forced: true,
    });
    registry.release("identity", "legacy");
    expect(registry.status("identity", "legacy")).toMatchObject({ state: "closed", forced: null });
    expect(await registry.execute("identity", "legacy", succeeding)).toMatchObject({
      kind: "completed",
    });
    expect(transitions.map(({ from, to, forced }) => ({ from, to, forced }))).toEqual([
      { from: "closed", to: "open", forced: "open" },
      { from: "open", to: "closed", forced: null },
    ]);
  });

  it("forced closed lets every call through an open breaker and never trips", async () => {
    const { registry } = registryWith(consecutive(2));
    await registry.execute("reputation", "service", failing);
    await registry.execute("reputation", "service", failing);
    expect(registry.status("reputation", "service").state).toBe("open");

    registry.force("reputation", "service", "closed");
    const before = registry.status("reputation", "service");
    expect(before).toMatchObject({ state: "closed", forced: "closed" });
    for (let i = 0; i < 5; i += 1) {
      expect(await registry.execute("reputation", "service", failing)).toMatchObject({
        kind: "threw",
      });
    }
    expect(registry.status("reputation", "service").state).toBe("closed");

    registry.release("reputation", "service");
    // Fresh counters: one failure is below the threshold of two.
    await registry.execute("reputation", "service", failing);
    expect(registry.status("reputation", "service")).toMatchObject({
      state: "closed",
      forced: null,
    });
  });

  it("applyOverrides forces the listed breakers and releases the others", () => {
    const { registry } = registryWith(consecutive(5));
    registry.applyOverrides({ "learning:service": "open", "identity:legacy": "closed" });
    expect(registry.statuses().map(({ key, state, forced }) => ({ key, state, forced }))).toEqual([
      { key: "identity:legacy", state: "closed", forced: "closed" },
      { key: "learning:service", state: "open", forced: "open" },
    ]);
    registry.applyOverrides({ "identity:legacy": "open" });
    expect(registry.statuses().map(({ key, state, forced }) => ({ key, state, forced }))).toEqual([
      { key: "identity:legacy", state: "open", forced: "open" },
      { key: "learning:service", state: "closed", forced: null },
    ]);
  });

  it("records when each breaker entered its state", async () => {
    let now = 1_000_000;
    const registry = new CircuitBreakerRegistry({ settings: consecutive(1), now: () => now });
    expect(registry.status("learning", "service").since.getTime()).toBe(1_000_000);
    now = 1_005_000;
    await registry.execute("learning", "service", failing);
    expect(registry.status("learning", "service").since.getTime()).toBe(1_005_000);
  });

  it("validates settings from configuration", () => {
    expect(BreakerSettingsSchema.safeParse(consecutive(5)).success).toBe(true);
    expect(
      BreakerSettingsSchema.safeParse({
        opening: { kind: "rate", threshold: 1, windowMs: 10_000 },
        halfOpenAfterMs: 5_000,
      }).success,
    ).toBe(false);
  });

  it("is asked and told synchronously: admit gives a ticket, settle reports the call", () => {
    let now = 1_000_000;
    const transitions: string[] = [];
    const registry = new CircuitBreakerRegistry({
      settings: consecutive(2, 5_000),
      now: () => now,
      onTransition: ({ from, to }) => transitions.push(`${from}→${to}`),
    });
    const breaker = registry.breaker("identity", "service");
    const early = breaker.admit();
    const first = breaker.admit();
    const second = breaker.admit();
    expect([early, first, second].every((ticket) => ticket > 0)).toBe(true);
    breaker.settle(first, true);
    breaker.settle(second, true);
    expect(breaker.state).toBe("open");
    // a call admitted before the breaker opened settles nothing now, not even a success
    breaker.settle(early, false);
    expect(breaker.state).toBe("open");
    expect(breaker.admit()).toBe(REJECTED);
    expect(breaker.rejection()).toMatchObject({ kind: "rejected", state: "open", forced: false });

    now += 5_000;
    const probe = breaker.admit();
    expect(breaker.state).toBe("half-open");
    expect(breaker.admit()).toBe(REJECTED);
    expect(breaker.rejection().state).toBe("half-open");
    // a probe the gateway never sent counts neither way: still half-open, the next call probes
    breaker.settle(probe, null);
    expect(breaker.state).toBe("half-open");
    const next = breaker.admit();
    expect(next).not.toBe(REJECTED);
    expect(breaker.admit()).toBe(REJECTED);
    breaker.settle(next, false);
    expect(breaker.state).toBe("closed");
    expect(transitions).toEqual(["closed→open", "open→half-open", "half-open→closed"]);
  });

  it("counts nothing for a call that never reached the upstream", () => {
    const { registry } = registryWith(consecutive(2));
    const breaker = registry.breaker("learning", "legacy");
    breaker.settle(breaker.admit(), true);
    // a refused call between two failures does not reset the consecutive count (cockatiel
    // counted it as a success)
    breaker.settle(breaker.admit(), null);
    breaker.settle(breaker.admit(), true);
    expect(breaker.state).toBe("open");
  });

  it("keeps working when a transition listener throws", () => {
    let now = 1_000_000;
    const registry = new CircuitBreakerRegistry({
      settings: consecutive(1, 1_000),
      now: () => now,
      onTransition: () => {
        throw new Error("listener broke");
      },
    });
    const breaker = registry.breaker("passport", "service");
    breaker.settle(breaker.admit(), true);
    expect(breaker.state).toBe("open");
    now += 1_000;
    const probe = breaker.admit();
    expect(breaker.state).toBe("half-open");
    breaker.settle(probe, false);
    expect(breaker.state).toBe("closed");
  });
});
