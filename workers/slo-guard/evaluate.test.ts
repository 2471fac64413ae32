import { describe, expect, it } from "vitest";
import type { GuardState } from "@/lib/contracts/guard";
import type { RollingPoint } from "@/lib/resilience/stats-snapshot";
import {
  EMPTY_MEMORY,
  type Evaluation,
  evaluateGuard,
  forgetDecision,
  type GuardMemory,
  type PromoteDecision,
  type RollbackDecision,
  type UpstreamSeries,
} from "./evaluate";
import { type GuardDomain, guardDomain, rolloutPlan } from "./testing/fake-control-plane";

const NOW_SECOND = 1_800_000_000;
const at = (second: number, ms = 500) => new Date(second * 1000 + ms);
const NOW = at(NOW_SECOND);

/** `count` seconds ending at `last` (inclusive), each with the same numbers. */
function seconds(last: number, count: number, point: Omit<RollingPoint, "t">): RollingPoint[] {
  return Array.from({ length: count }, (_, i) => ({ t: last - count + 1 + i, ...point }));
}

function service(
  series: RollingPoint[],
  domain: GuardDomain["domain"] = "learning",
): UpstreamSeries {
  return { domain, side: "service", series };
}

function stateOf(...domains: GuardDomain[]): GuardState {
  return { domains, at: NOW };
}

function run(
  domains: GuardDomain[],
  upstreams: UpstreamSeries[],
  now = NOW,
  memory: GuardMemory = EMPTY_MEMORY,
): Evaluation {
  return evaluateGuard({ state: stateOf(...domains), upstreams, now }, memory);
}

const canary = (overrides: Parameters<typeof guardDomain>[1] = {}) =>
  guardDomain("learning", { state: "canary", canaryWeight: 25, version: 7, ...overrides });

const healthy = { requests: 50, errors: 0, p99Ms: 80 };

describe("evaluateGuard: breaches", () => {
  it("leaves a healthy canary alone", () => {
    const result = run([canary()], [service(seconds(NOW_SECOND, 10, healthy))]);
    expect(result.decisions).toEqual([]);
    expect(result.verdicts[0]).toMatchObject({ judged: true, breach: null });
    expect(result.verdicts[0]?.window.requests).toBe(500);
  });

  it("rolls back on the error rate, naming the measured values", () => {
    // 412 requests and 97 errors over the 10-second window: 23.5 %
    const series = [
      ...seconds(NOW_SECOND - 4, 6, { requests: 40, errors: 0, p99Ms: 80 }),
      ...seconds(NOW_SECOND - 1, 3, { requests: 40, errors: 30, p99Ms: 80 }),
      { t: NOW_SECOND, requests: 52, errors: 7, p99Ms: 80 },
    ];
    const result = run([canary()], [service(series)]);
    expect(result.decisions).toEqual([
      {
        action: "rollback",
        domain: "learning",
        version: 7,
        reason: "error rate 23.5 % > 5 % over 10 s (412 requests)",
        breach: {
          requests: 412,
          errorRate: 97 / 412,
          p99Ms: 80,
          windowSeconds: 10,
          // the window has been over the limit since the end of the second 3 seconds ago
          firstSeenAt: new Date((NOW_SECOND - 3) * 1000),
        },
      },
    ]);
  });

  it("dates the breach from the first second the window was over the limit, not the first error", () => {
    // 15 % errors from 4 seconds ago; the 10-second window crosses 5 % two seconds ago
    const series = [
      ...seconds(NOW_SECOND - 5, 5, { requests: 100, errors: 0, p99Ms: 80 }),
      ...seconds(NOW_SECOND, 5, { requests: 100, errors: 15, p99Ms: 80 }),
    ];
    const decision = run([canary()], [service(series)]).decisions[0] as RollbackDecision;
    expect(decision.breach.firstSeenAt).toEqual(new Date((NOW_SECOND - 2) * 1000));
    expect(decision.reason).toBe("error rate 7.5 % > 5 % over 10 s (1000 requests)");
  });

  it("rolls back on p99 latency, and names both limits when both are exceeded", () => {
    const slow = run(
      [canary()],
      [service(seconds(NOW_SECOND, 10, { requests: 30, errors: 0, p99Ms: 1_800 }))],
    );
    expect((slow.decisions[0] as RollbackDecision).reason).toBe(
      "p99 1800 ms > 1000 ms over 10 s (300 requests)",
    );
    const both = run(
      [canary({ policy: { maxErrorRate: 0.025 } })],
      [service(seconds(NOW_SECOND, 10, { requests: 30, errors: 3, p99Ms: 1_800 }))],
    );
    expect((both.decisions[0] as RollbackDecision).reason).toBe(
      "error rate 10.0 % > 2.5 % and p99 1800 ms > 1000 ms over 10 s (300 requests)",
    );
  });

  it("takes the window's p99 as the highest second's, so a slow service shows at once", () => {
    const series = [
      ...seconds(NOW_SECOND - 1, 9, { requests: 1000, errors: 0, p99Ms: 5 }),
      { t: NOW_SECOND, requests: 20, errors: 0, p99Ms: 900 },
    ];
    const result = run([canary({ policy: { maxP99Ms: 500 } })], [service(series)]);
    expect((result.decisions[0] as RollbackDecision).reason).toBe(
      "p99 900 ms > 500 ms over 10 s (9020 requests)",
    );
  });

  it("judges nothing below minRequests", () => {
    const policy = { minRequests: 100 };
    const few = run(
      [canary({ policy })],
      [service(seconds(NOW_SECOND, 10, { requests: 9, errors: 9, p99Ms: 5_000 }))],
    );
    expect(few.decisions).toEqual([]);
    expect(few.verdicts[0]).toMatchObject({ judged: false, breach: null });
    const enough = run(
      [canary({ policy })],
      [service(seconds(NOW_SECOND, 10, { requests: 10, errors: 9, p99Ms: 5_000 }))],
    );
    expect(enough.decisions).toHaveLength(1);
  });

  it("looks only at the policy's window", () => {
    const series = [
      ...seconds(NOW_SECOND - 6, 5, { requests: 50, errors: 50, p99Ms: 80 }),
      ...seconds(NOW_SECOND, 6, healthy),
    ];
    expect(run([canary({ policy: { windowSeconds: 6 } })], [service(series)]).decisions).toEqual(
      [],
    );
    expect(
      run([canary({ policy: { windowSeconds: 7 } })], [service(series)]).decisions,
    ).toHaveLength(1);
  });

  it("sums the service side over gateways and ignores legacy and other domains", () => {
    const half = { requests: 10, errors: 1, p99Ms: 80 };
    const upstreams: UpstreamSeries[] = [
      service(seconds(NOW_SECOND, 10, half)),
      service(seconds(NOW_SECOND, 10, half)),
      {
        domain: "learning",
        side: "legacy",
        series: seconds(NOW_SECOND, 10, { requests: 1000, errors: 0, p99Ms: 1 }),
      },
      service(seconds(NOW_SECOND, 10, { requests: 1000, errors: 1000, p99Ms: 1 }), "identity"),
    ];
    const result = run([canary({ policy: { minRequests: 150 } })], upstreams);
    expect(result.verdicts[0]?.window).toMatchObject({ requests: 200, errors: 20, errorRate: 0.1 });
    expect((result.decisions[0] as RollbackDecision).reason).toBe(
      "error rate 10.0 % > 5 % over 10 s (200 requests)",
    );
  });

  it("watches migrated domains too, but not legacy or shadow, and not with the policy disabled", () => {
    const bad = { requests: 50, errors: 25, p99Ms: 80 };
    const upstreams = [service(seconds(NOW_SECOND, 10, bad))];
    expect(
      run([canary({ state: "migrated", canaryWeight: 100 })], upstreams).decisions,
    ).toHaveLength(1);
    expect(run([canary({ state: "shadow", canaryWeight: 0 })], upstreams).verdicts).toEqual([]);
    expect(run([canary({ state: "legacy", canaryWeight: 0 })], upstreams).decisions).toEqual([]);
    const disabled = run([canary({ policy: { enabled: false } })], upstreams);
    expect(disabled.decisions).toEqual([]);
    expect(disabled.verdicts[0]?.breach).toMatch(/^error rate 50.0 %/);
  });

  it("acts once per breach and keeps the first second of the breach", () => {
    const bad = { requests: 50, errors: 25, p99Ms: 80 };
    const first = run([canary()], [service(seconds(NOW_SECOND, 2, bad))], NOW);
    const decision = first.decisions[0] as RollbackDecision;
    expect(decision.breach.firstSeenAt).toEqual(new Date((NOW_SECOND - 1) * 1000));

    // the control plane has not answered yet: same version, no second call
    const later = at(NOW_SECOND + 1);
    const again = run([canary()], [service(seconds(NOW_SECOND + 1, 3, bad))], later, first.memory);
    expect(again.decisions).toEqual([]);

    // the call failed: the next evaluation decides again, with the same start of breach
    const retried = run(
      [canary()],
      [service(seconds(NOW_SECOND + 1, 3, bad))],
      later,
      forgetDecision(again.memory, decision),
    );
    expect((retried.decisions[0] as RollbackDecision).breach.firstSeenAt).toEqual(
      decision.breach.firstSeenAt,
    );

    // an operator moved the domain on (new version) while the breach goes on: a new rollback
    const moved = run(
      [canary({ version: 9 })],
      [service(seconds(NOW_SECOND + 1, 3, bad))],
      later,
      again.memory,
    );
    expect(moved.decisions).toHaveLength(1);
  });

  it("forgets a breach once the window is healthy again", () => {
    const policy = { windowSeconds: 2, enabled: false };
    const bad = run(
      [canary({ policy })],
      [service(seconds(NOW_SECOND, 2, { requests: 50, errors: 25, p99Ms: 80 }))],
    );
    const good = run(
      [canary({ policy })],
      [service(seconds(NOW_SECOND + 5, 2, healthy))],
      at(NOW_SECOND + 5),
      bad.memory,
    );
    expect(good.verdicts[0]?.breach).toBeNull();
    const badAgain = run(
      [canary()],
      [service(seconds(NOW_SECOND + 9, 2, { requests: 50, errors: 25, p99Ms: 80 }))],
      at(NOW_SECOND + 9),
      good.memory,
    );
    expect((badAgain.decisions[0] as RollbackDecision).breach.firstSeenAt).toEqual(
      new Date((NOW_SECOND + 8) * 1000),
    );
  });
});

describe("evaluateGuard: rollout plans", () => {
  const startedAt = at(NOW_SECOND - 30, 0);
  const plan = rolloutPlan("learning", {
    steps: [5, 25, 100],
    holdSeconds: [30, 30, 30],
    currentStep: 0,
    stepStartedAt: startedAt,
  });
  const inPlan = (overrides: Parameters<typeof guardDomain>[1] = {}) =>
    canary({ canaryWeight: 5, plan, ...overrides });
  const holdTraffic = [service(seconds(NOW_SECOND, 31, { requests: 5, errors: 0, p99Ms: 80 }))];

  it("promotes after a healthy hold", () => {
    const result = run([inPlan()], holdTraffic);
    expect(result.decisions).toEqual([
      {
        action: "promote",
        domain: "learning",
        planId: plan.id,
        fromStep: 0,
        to: 25,
        reason:
          "hold of 30 s at 5 % was healthy: error rate 0.0 % ≤ 5 %, p99 80 ms ≤ 1000 ms (155 requests)",
      },
    ]);
    // and not twice for the same step
    expect(run([inPlan()], holdTraffic, NOW, result.memory).decisions).toEqual([]);
  });

  it("promotes the last step to migrated", () => {
    const last = { ...plan, currentStep: 2 };
    const result = run([inPlan({ canaryWeight: 100, plan: last })], holdTraffic);
    expect((result.decisions[0] as PromoteDecision).to).toBe("migrated");
  });

  it("holds until the hold time has elapsed", () => {
    const early = run([inPlan()], holdTraffic, at(NOW_SECOND - 2));
    expect(early.decisions).toEqual([]);
    expect(early.verdicts[0]?.hold).toBe("holding 5 % for 2 s more");
  });

  it("waits for minRequests during the hold rather than promoting an unjudged step", () => {
    const quiet = [service(seconds(NOW_SECOND, 31, { requests: 0, errors: 0, p99Ms: 0 }))];
    const result = run(
      [inPlan({ policy: { minRequests: 20 } })],
      [...quiet, service([{ t: NOW_SECOND - 3, requests: 12, errors: 0, p99Ms: 50 }])],
    );
    expect(result.decisions).toEqual([]);
    expect(result.verdicts[0]?.hold).toBe(
      "waiting for traffic: 12 of 20 requests seen during the hold",
    );
  });

  it("counts only the hold's seconds, and remembers them past the 60-second series", () => {
    const longPlan = {
      ...plan,
      holdSeconds: [120, 30, 30],
      stepStartedAt: at(NOW_SECOND - 120, 0),
    };
    const domain = inPlan({ plan: longPlan, policy: { minRequests: 20 } });
    const before = seconds(NOW_SECOND - 121, 5, { requests: 100, errors: 0, p99Ms: 10 });
    const early = run(
      [domain],
      [
        service([
          ...before,
          ...seconds(NOW_SECOND - 100, 10, { requests: 1, errors: 0, p99Ms: 10 }),
        ]),
      ],
      at(NOW_SECOND - 100),
    );
    expect(early.decisions).toEqual([]);
    const late = run(
      [domain],
      [service(seconds(NOW_SECOND, 10, { requests: 1, errors: 0, p99Ms: 10 }))],
      NOW,
      early.memory,
    );
    expect((late.decisions[0] as PromoteDecision).reason).toMatch(/\(20 requests\)$/);
  });

  it("does not promote after a breach during the hold (policy disabled, so no rollback either)", () => {
    const domain = inPlan({ policy: { enabled: false, windowSeconds: 5 } });
    const breach = run(
      [domain],
      [service(seconds(NOW_SECOND - 10, 5, { requests: 20, errors: 10, p99Ms: 80 }))],
      at(NOW_SECOND - 10),
    );
    expect(breach.decisions).toEqual([]);
    const result = run([domain], holdTraffic, NOW, breach.memory);
    expect(result.decisions).toEqual([]);
    expect(result.verdicts[0]?.hold).toMatch(
      /^not promoting: breach during the hold \(error rate 50.0 %/,
    );
  });

  it("rolls back instead of promoting when the window breaches at the end of the hold", () => {
    const bad = [service(seconds(NOW_SECOND, 31, { requests: 5, errors: 5, p99Ms: 80 }))];
    const result = run([inPlan()], bad);
    expect(result.decisions.map((d) => d.action)).toEqual(["rollback"]);
  });

  it("does not promote a paused plan", () => {
    const paused = run([inPlan({ plan: { ...plan, status: "paused" } })], holdTraffic);
    expect(paused.decisions).toEqual([]);
    expect(paused.verdicts[0]?.hold).toBe("plan paused at step 1 of 3");
    for (const status of ["completed", "aborted", "rolled_back"] as const) {
      expect(run([inPlan({ plan: { ...plan, status } })], holdTraffic).decisions).toEqual([]);
    }
  });

  it("does not promote a hold that was unhealthy as a whole", () => {
    // each window is fine (5-second window sees few requests) but the hold's p99 is too high
    const domain = inPlan({ policy: { minRequests: 100, windowSeconds: 5 } });
    const slow = [service(seconds(NOW_SECOND, 31, { requests: 5, errors: 0, p99Ms: 1_500 }))];
    const result = run([domain], slow);
    expect(result.decisions).toEqual([]);
    expect(result.verdicts[0]?.hold).toMatch(
      /^not promoting: the hold was unhealthy \(p99 1500 ms/,
    );
  });
});
