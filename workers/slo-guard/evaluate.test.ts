import { describe, expect, it } from "vitest";
import type { GuardState } from "@/lib/contracts/guard";
import { encodeLatencyList } from "@/lib/resilience/latency-histogram";
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
  wilsonLowerBound,
} from "./evaluate";
import { type GuardDomain, guardDomain, rolloutPlan } from "./testing/fake-control-plane";

const NOW_SECOND = 1_800_000_000;
const at = (second: number, ms = 500) => new Date(second * 1000 + ms);
const NOW = at(NOW_SECOND);

type SecondSpec = Omit<RollingPoint, "t" | "latency"> & {
  /** Each request's latency; every request takes `p99Ms` unless told. */
  latenciesMs?: number[];
};

/** One second as a gateway publishes it, with its latency histogram. */
function point(t: number, spec: SecondSpec): RollingPoint {
  const { latenciesMs, ...counts } = spec;
  const latencies = latenciesMs ?? Array.from({ length: spec.requests }, () => spec.p99Ms);
  return {
    t,
    ...counts,
    ...(latencies.length > 0 && { latency: encodeLatencyList(latencies) }),
  };
}

/** `count` seconds ending at `last` (inclusive), each with the same numbers. */
function seconds(last: number, count: number, spec: SecondSpec): RollingPoint[] {
  return Array.from({ length: count }, (_, i) => point(last - count + 1 + i, spec));
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
      point(NOW_SECOND, { requests: 52, errors: 7, p99Ms: 80 }),
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
          // the merged histogram's bucket for 80 ms (two significant digits)
          p99Ms: expect.closeTo(80, -0.5),
          windowSeconds: 10,
          // the window has been over the limit since the end of the second 3 seconds ago
          firstSeenAt: new Date((NOW_SECOND - 3) * 1000),
        },
      },
    ]);
  });

  it("dates the breach from the first second the window proved the limit broken, not the first error", () => {
    // 15 % errors from 4 seconds ago: the window's rate passes 5 % two seconds ago (5.6 % of
    // 800), but only now (7.5 % of 1000) is it above 5 % with 99.9 % confidence
    const series = [
      ...seconds(NOW_SECOND - 5, 5, { requests: 100, errors: 0, p99Ms: 80 }),
      ...seconds(NOW_SECOND, 5, { requests: 100, errors: 15, p99Ms: 80 }),
    ];
    const decision = run([canary()], [service(series)]).decisions[0] as RollbackDecision;
    expect(decision.breach.firstSeenAt).toEqual(new Date(NOW_SECOND * 1000));
    expect(decision.reason).toBe("error rate 7.5 % > 5 % over 10 s (1000 requests)");
  });

  it("rolls back on p99 latency, and names both limits when both are exceeded", () => {
    const slow = run(
      [canary()],
      [service(seconds(NOW_SECOND, 10, { requests: 30, errors: 0, p99Ms: 1_800 }))],
    );
    expect((slow.decisions[0] as RollbackDecision).reason).toMatch(
      /^p99 18\d\d ms > 1000 ms \(300 slower than 1000 ms\) over 10 s \(300 requests\)$/,
    );
    const both = run(
      [canary({ policy: { maxErrorRate: 0.025 } })],
      [service(seconds(NOW_SECOND, 10, { requests: 30, errors: 3, p99Ms: 1_800 }))],
    );
    expect((both.decisions[0] as RollbackDecision).reason).toMatch(
      /^error rate 10.0 % > 2.5 % and p99 18\d\d ms > 1000 ms \(300 slower than 1000 ms\) over 10 s \(300 requests\)$/,
    );
  });

  it("takes p99 from the window's merged histogram, not from its slowest second", () => {
    // one second had 20 requests at 900 ms: its own p99 is 900 ms, the window's is 5 ms
    const series = [
      ...seconds(NOW_SECOND - 1, 9, { requests: 1000, errors: 0, p99Ms: 5 }),
      point(NOW_SECOND, { requests: 20, errors: 0, p99Ms: 900 }),
    ];
    const result = run([canary({ policy: { maxP99Ms: 500 } })], [service(series)]);
    expect(result.decisions).toEqual([]);
    expect(result.verdicts[0]?.window).toMatchObject({ requests: 9020, slow: 20 });
    expect(result.verdicts[0]?.window.p99Ms).toBeCloseTo(5, 0);

    // a tenth of the window slow is a p99 of 900 ms, across two gateways
    const slowHalf = seconds(NOW_SECOND, 10, { requests: 50, errors: 0, p99Ms: 5 });
    const slowOther = seconds(NOW_SECOND, 10, {
      requests: 50,
      errors: 0,
      p99Ms: 900,
      latenciesMs: [
        ...Array.from({ length: 40 }, () => 5),
        ...Array.from({ length: 10 }, () => 900),
      ],
    });
    const slow = run(
      [canary({ policy: { maxP99Ms: 500 } })],
      [service(slowHalf), service(slowOther)],
    );
    expect(slow.verdicts[0]?.window).toMatchObject({ requests: 1000, slow: 100 });
    expect((slow.decisions[0] as RollbackDecision).reason).toMatch(
      /^p99 90\d ms > 500 ms \(100 slower than 500 ms\) over 10 s \(1000 requests\)$/,
    );
  });

  it("does not roll back on one slow request or one error at low volume", () => {
    const policy = { maxP99Ms: 500, minRequests: 20, windowSeconds: 10 };
    // 10 requests/s for 2 s, one of them slow: it is the window's p100 and p99 (20 requests)
    const latencies = [...Array.from({ length: 9 }, () => 20), 2_000];
    const oneSlow = [
      point(NOW_SECOND - 1, { requests: 10, errors: 0, p99Ms: 20 }),
      point(NOW_SECOND, { requests: 10, errors: 0, p99Ms: 2_000, latenciesMs: latencies }),
    ];
    const slow = run([canary({ policy })], [service(oneSlow)]);
    expect(slow.verdicts[0]).toMatchObject({ judged: true, breach: null });
    expect(slow.verdicts[0]?.window.p99Ms).toBeGreaterThan(500);
    // one error in 20 requests, and three in 100: not proof of a rate above 5 %
    const oneError = seconds(NOW_SECOND, 2, { requests: 10, errors: 0, p99Ms: 20 });
    oneError[1] = point(NOW_SECOND, { requests: 10, errors: 1, p99Ms: 20 });
    expect(run([canary({ policy })], [service(oneError)]).decisions).toEqual([]);
    const threeErrors = seconds(NOW_SECOND, 10, { requests: 10, errors: 0, p99Ms: 20 });
    threeErrors[9] = point(NOW_SECOND, { requests: 10, errors: 3, p99Ms: 20 });
    expect(run([canary({ policy })], [service(threeErrors)]).decisions).toEqual([]);
    // a service that really fails at 10 requests/s is proven so within two seconds
    const failing = [
      ...seconds(NOW_SECOND - 2, 8, { requests: 10, errors: 0, p99Ms: 20 }),
      ...seconds(NOW_SECOND, 2, { requests: 10, errors: 10, p99Ms: 20 }),
    ];
    expect(run([canary({ policy })], [service(failing)]).decisions).toHaveLength(1);
    const slowService = [
      ...seconds(NOW_SECOND - 1, 9, { requests: 10, errors: 0, p99Ms: 20 }),
      point(NOW_SECOND, { requests: 10, errors: 0, p99Ms: 2_000 }),
    ];
    expect(run([canary({ policy })], [service(slowService)]).decisions).toHaveLength(1);
  });

  it("bounds the error share from below with Wilson's interval", () => {
    expect(wilsonLowerBound(0, 100)).toBe(0);
    expect(wilsonLowerBound(1, 20)).toBeLessThan(0.01);
    expect(wilsonLowerBound(3, 20)).toBeLessThan(0.05);
    expect(wilsonLowerBound(750, 10_000)).toBeCloseTo(0.067, 2);
  });

  it("judges only traffic from the domain's change of state on", () => {
    // learning entered canary 3.5 s before the current second; before, its shadow copies failed (and a previous
    // canary of another build, say): none of that is this canary's
    const since = at(NOW_SECOND - 4, 500);
    const series = [
      ...seconds(NOW_SECOND - 4, 6, { requests: 50, errors: 50, p99Ms: 3_000 }),
      ...seconds(NOW_SECOND, 4, { requests: 50, errors: 0, p99Ms: 20 }),
    ];
    const result = run([canary({ stateSince: since })], [service(series)]);
    expect(result.decisions).toEqual([]);
    // whole seconds after the change only: 4 of them
    expect(result.verdicts[0]?.window).toMatchObject({ requests: 200, errors: 0, seconds: 4 });
    // the same traffic, judged over the whole window, would roll back
    expect(run([canary()], [service(series)]).decisions).toHaveLength(1);

    // a breach after the change is dated from the change at the earliest
    const bad = seconds(NOW_SECOND, 10, { requests: 50, errors: 50, p99Ms: 20 });
    const decision = run([canary({ stateSince: since })], [service(bad)])
      .decisions[0] as RollbackDecision;
    expect(decision.breach.firstSeenAt).toEqual(new Date((NOW_SECOND - 3) * 1000));
    expect(decision.breach.windowSeconds).toBe(4);
    expect(decision.reason).toBe("error rate 100.0 % > 5 % over 4 s (200 requests)");
  });

  it("never judges shadow copies as canary traffic", () => {
    const upstreams: UpstreamSeries[] = [
      {
        ...service(seconds(NOW_SECOND, 10, healthy)),
        shadow: { series: seconds(NOW_SECOND, 10, { requests: 50, errors: 50, p99Ms: 9_000 }) },
      },
    ];
    const result = run([canary()], upstreams);
    expect(result.decisions).toEqual([]);
    expect(result.verdicts[0]?.window).toMatchObject({ requests: 500, errors: 0 });
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

  it("dates the breach no earlier than the last statistics that showed the window healthy", () => {
    const before = seconds(NOW_SECOND - 1, 9, { requests: 50, errors: 0, p99Ms: 20 });
    // at .300 the current second had 15 requests, all fine
    const early = at(NOW_SECOND, 300);
    const healthy = evaluateGuard(
      {
        state: stateOf(canary()),
        upstreams: [
          service([...before, point(NOW_SECOND, { requests: 15, errors: 0, p99Ms: 20 })]),
        ],
        now: at(NOW_SECOND, 450),
        observedAt: early,
      },
      EMPTY_MEMORY,
    );
    expect(healthy.decisions).toEqual([]);
    // at .800 it has 60 more, all failing: the breach began after .300, within this second
    const failing = [...before, point(NOW_SECOND, { requests: 75, errors: 60, p99Ms: 20 })];
    const late = at(NOW_SECOND, 800);
    const decided = evaluateGuard(
      { state: stateOf(canary()), upstreams: [service(failing)], now: late, observedAt: late },
      healthy.memory,
    );
    expect((decided.decisions[0] as RollbackDecision).breach.firstSeenAt).toEqual(early);
    // without that observation (a restarted guard), the start of the second is the bound
    const fresh = run([canary()], [service(failing)], late);
    expect((fresh.decisions[0] as RollbackDecision).breach.firstSeenAt).toEqual(
      new Date(NOW_SECOND * 1000),
    );
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
      [...quiet, service([point(NOW_SECOND - 3, { requests: 12, errors: 0, p99Ms: 50 })])],
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
      /^not promoting: the hold was unhealthy \(p99 15\d\d ms > 1000 ms \(155 slower/,
    );
  });
});
