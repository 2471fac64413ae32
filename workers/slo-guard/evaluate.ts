import type { DomainName, MigrationState } from "@/lib/contracts/domains";
import type { Breach, GuardState, RolloutPlan, SloPolicy } from "@/lib/contracts/guard";
import {
  decodeLatencies,
  type LatencyCounts,
  latenciesAbove,
  latencyPercentileMs,
  latencyTotal,
  mergeLatencies,
} from "@/lib/resilience/latency-histogram";
import type { RollingPoint, UpstreamSide } from "@/lib/resilience/stats-snapshot";

/**
 * The slo-guard's judgement, with no I/O: given the control plane's GuardState, the gateways'
 * per-second statistics and the time, it decides which domains to roll back and which rollout
 * plans to promote. What it must remember between calls (when a breach was first seen, what a
 * hold has measured, what it already decided) is passed in and returned as `GuardMemory`.
 */

/** The part of a gateway's upstream statistics the guard reads (a snapshot's `upstreams`). */
export type UpstreamSeries = {
  domain: DomainName;
  side: UpstreamSide;
  /** Client traffic: the only series the guard judges. */
  series: readonly RollingPoint[];
  /** Shadow copies to the new service, published apart; never judged as canary traffic. */
  shadow?: { series: readonly RollingPoint[] };
};

/** One second of a domain's new service, summed over every gateway. */
export type SecondTotals = {
  requests: number;
  errors: number;
  /** Each gateway's latency histogram of this second (merged when a window is measured). */
  latencies: readonly LatencyCounts[];
};

/** What the guard measured over some seconds of a domain's new service. */
export type Measure = {
  requests: number;
  errors: number;
  errorRate: number;
  /** p99 of the merged histogram of every latency in the seconds (all gateways). */
  p99Ms: number;
  /** Requests with a latency (a call its breaker refused has none). */
  timed: number;
  /** Timed requests slower than the policy's p99 limit. */
  slow: number;
};

export type RollbackDecision = {
  action: "rollback";
  domain: DomainName;
  /** The domain's version the decision was made on. */
  version: number;
  reason: string;
  breach: Breach;
};

export type PromoteDecision = {
  action: "promote";
  domain: DomainName;
  planId: string;
  fromStep: number;
  /** The canary weight of the next step, or `migrated` after the last one. */
  to: number | "migrated";
  reason: string;
};

export type Decision = RollbackDecision | PromoteDecision;

/** How each watched domain looked, for logs and tests. */
export type DomainVerdict = {
  domain: DomainName;
  state: MigrationState;
  window: Measure & { seconds: number };
  /** The window had at least `minRequests`; below that nothing is judged. */
  judged: boolean;
  /** The breach reason (measured values) while the window is in breach, else null. */
  breach: string | null;
  /** Why a running plan is not promoted yet, or null. */
  hold: string | null;
};

type HoldMemory = {
  planId: string;
  step: number;
  /** Seconds of the hold still visible in the gateways' series, by epoch second. */
  recent: ReadonlyMap<number, SecondTotals>;
  /** Older seconds of the hold, folded into one total. */
  settled: SecondTotals;
  /** The first breach seen during the hold, or null. */
  breachSeen: string | null;
};

type DomainMemory = {
  /** When the open breach began, as precisely as the statistics tell (see evaluateGuard). */
  breachSince: Date | null;
  /** The newest statistics (their `observedAt`) under which the window was not in breach. */
  healthyUntil: number | null;
  /** The domain version a rollback was decided on: never twice for the same version. */
  rolledBackAt: number | null;
  hold: HoldMemory | null;
  /** `<planId>:<step>` already promoted: never twice for the same step. */
  promoted: string | null;
};

/** What the guard carries from one evaluation to the next. */
export type GuardMemory = ReadonlyMap<DomainName, DomainMemory>;

export const EMPTY_MEMORY: GuardMemory = new Map();

/** Seconds older than this are out of every gateway's 60-second series and can be folded. */
const SETTLE_AFTER_SECONDS = 90;

/**
 * z of a one-sided 99.9 % bound. The guard looks at a sliding window several times a second for
 * as long as a canary runs: each look's false alarm must be rare for the whole run's to be.
 */
export const CONFIDENCE_Z = 3.09;

/** The share of slow requests a p99 limit allows. */
const P99_SHARE = 0.01;

const ZERO: SecondTotals = { requests: 0, errors: 0, latencies: [] };

/**
 * Lower bound of the Wilson score interval of `hits` in `trials`: the smallest true rate the
 * observation is still consistent with. At 3 errors in 20 requests it is about 3.5 %, not 15 %,
 * so a handful of requests cannot prove a 5 % limit broken; with volume it nears the measured rate.
 */
export function wilsonLowerBound(hits: number, trials: number, z = CONFIDENCE_Z): number {
  if (trials <= 0 || hits <= 0) return 0;
  const p = hits / trials;
  const z2 = z * z;
  const centre = p + z2 / (2 * trials);
  const margin = z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return Math.max(0, (centre - margin) / (1 + z2 / trials));
}

/** The domain's new-service seconds from client traffic, summed over the gateways that report it. */
export function serviceSeconds(
  upstreams: readonly UpstreamSeries[],
  domain: DomainName,
): Map<number, SecondTotals> {
  const seconds = new Map<number, SecondTotals>();
  for (const upstream of upstreams) {
    // Shadow copies are published apart (`shadow`), never in `series`: they are not read here.
    if (upstream.domain !== domain || upstream.side !== "service") continue;
    for (const point of upstream.series) {
      const sum = seconds.get(point.t) ?? ZERO;
      seconds.set(point.t, {
        requests: sum.requests + point.requests,
        errors: sum.errors + point.errors,
        latencies: point.latency
          ? [...sum.latencies, decodeLatencies(point.latency)]
          : sum.latencies,
      });
    }
  }
  return seconds;
}

function add(a: SecondTotals, b: SecondTotals): SecondTotals {
  return {
    requests: a.requests + b.requests,
    errors: a.errors + b.errors,
    latencies: [mergeLatencies([...a.latencies, ...b.latencies])],
  };
}

/**
 * Totals of some seconds, with the p99 of their merged latency histogram: one slow request among
 * a window's hundred is its 100th percentile, not its 99th.
 */
export function measure(
  seconds: Iterable<SecondTotals>,
  policy: Pick<SloPolicy, "maxP99Ms">,
): Measure {
  let requests = 0;
  let errors = 0;
  const parts: LatencyCounts[] = [];
  for (const second of seconds) {
    requests += second.requests;
    errors += second.errors;
    parts.push(...second.latencies);
  }
  const latencies = mergeLatencies(parts);
  return {
    requests,
    errors,
    errorRate: requests === 0 ? 0 : errors / requests,
    p99Ms: latencyPercentileMs(latencies, 99),
    timed: latencyTotal(latencies),
    slow: latenciesAbove(latencies, policy.maxP99Ms),
  };
}

/**
 * The seconds of the policy window that ends with second `last` (now: the current, partial one,
 * and any newer second from a gateway whose clock runs a little ahead), none before `first`
 * (the first whole second in the domain's current state).
 */
function windowSeconds(
  seconds: ReadonlyMap<number, SecondTotals>,
  last: number,
  length: number,
  first: number,
  upTo = last,
): Array<[number, SecondTotals]> {
  return [...seconds]
    .filter(([t]) => t > last - length && t >= first && t <= upTo)
    .sort(([a], [b]) => a - b);
}

type Judgement = { judged: boolean; errors: boolean; latency: boolean };

/** The measured values against the limits, without confidence (a hold must be healthy as measured). */
function exceedsMeasured(m: Measure, policy: SloPolicy): Judgement {
  return {
    judged: m.requests >= policy.minRequests,
    errors: m.errorRate > policy.maxErrorRate,
    latency: m.p99Ms > policy.maxP99Ms,
  };
}

/**
 * A limit is broken only when the measure proves it: at least `minRequests`, and the lower
 * confidence bound of the error share (of the share of requests slower than the p99 limit) above
 * the limit (above 1 %). With volume this is the measured rate; at 10 requests/s a single slow
 * request or error is not a breach, a service that really fails is one within a second or two.
 */
function judge(m: Measure, policy: SloPolicy): Judgement {
  const judged = m.requests >= policy.minRequests;
  return {
    judged,
    errors:
      judged &&
      m.errorRate > policy.maxErrorRate &&
      wilsonLowerBound(m.errors, m.requests) > policy.maxErrorRate,
    latency: judged && m.p99Ms > policy.maxP99Ms && wilsonLowerBound(m.slow, m.timed) > P99_SHARE,
  };
}

/** 0.235 → "23.5 %" (measured values keep one decimal). */
function measuredPercent(rate: number): string {
  return `${(rate * 100).toFixed(1)} %`;
}

/** 0.05 → "5 %", 0.025 → "2.5 %" (thresholds as the operator typed them). */
function thresholdPercent(rate: number): string {
  return `${Number((rate * 100).toFixed(2))} %`;
}

/**
 * "error rate 23.5 % > 5 % over 10 s (412 requests)", naming each limit that was exceeded;
 * `seconds` is the window's length (shorter than the policy's right after a change of state).
 */
export function describeBreach(
  m: Measure,
  policy: SloPolicy,
  seconds: number,
  over: Judgement = judge(m, policy),
): string {
  const parts: string[] = [];
  if (over.errors) {
    parts.push(
      `error rate ${measuredPercent(m.errorRate)} > ${thresholdPercent(policy.maxErrorRate)}`,
    );
  }
  if (over.latency) {
    parts.push(
      `p99 ${Math.round(m.p99Ms)} ms > ${policy.maxP99Ms} ms (${m.slow} slower than ${policy.maxP99Ms} ms)`,
    );
  }
  return `${parts.join(" and ")} over ${seconds} s (${m.requests} requests)`;
}

function describeHealthy(m: Measure, policy: SloPolicy): string {
  return (
    `error rate ${measuredPercent(m.errorRate)} ≤ ${thresholdPercent(policy.maxErrorRate)}, ` +
    `p99 ${Math.round(m.p99Ms)} ms ≤ ${policy.maxP99Ms} ms (${m.requests} requests)`
  );
}

/**
 * The first second of the breach: the earliest second of the unbroken run, ending now, of seconds
 * at whose end the policy window was already in breach (judged from the 60-second series, so a
 * missed snapshot or a restarted guard does not move it later), never before `first`.
 */
function breachStart(
  seconds: ReadonlyMap<number, SecondTotals>,
  nowSecond: number,
  policy: SloPolicy,
  first: number,
): Date {
  const oldest = Math.max(first, Math.min(...seconds.keys()));
  let start = nowSecond;
  for (let t = nowSecond - 1; t >= oldest; t--) {
    const m = measure(
      windowSeconds(seconds, t, policy.windowSeconds, first).map(([, s]) => s),
      policy,
    );
    const over = judge(m, policy);
    if (!(over.errors || over.latency)) break;
    start = t;
  }
  return new Date(start * 1000);
}

function holdFor(plan: RolloutPlan, previous: HoldMemory | null): HoldMemory {
  if (previous && previous.planId === plan.id && previous.step === plan.currentStep) {
    return previous;
  }
  return {
    planId: plan.id,
    step: plan.currentStep,
    recent: new Map(),
    settled: ZERO,
    breachSeen: null,
  };
}

/** Adds the hold's seconds that the gateways report now and folds those out of every series. */
function accumulateHold(
  hold: HoldMemory,
  seconds: ReadonlyMap<number, SecondTotals>,
  startSecond: number,
  nowSecond: number,
): HoldMemory {
  const recent = new Map(hold.recent);
  for (const [t, totals] of seconds) if (t >= startSecond) recent.set(t, totals);
  let settled = hold.settled;
  for (const [t, totals] of recent) {
    if (t < nowSecond - SETTLE_AFTER_SECONDS) {
      settled = add(settled, totals);
      recent.delete(t);
    }
  }
  return { ...hold, recent, settled };
}

type HoldOutcome = { decision: PromoteDecision | null; status: string | null };

/**
 * A step is promoted once its hold time has elapsed and the hold was healthy: no breach of the
 * policy window during it, and over the whole hold at least `minRequests` requests within both
 * limits. Too little traffic is not health: the plan waits at its step (and says so) until the
 * hold has seen enough requests, or the operator promotes by hand.
 */
function judgeHold(
  plan: RolloutPlan,
  hold: HoldMemory,
  policy: SloPolicy,
  domain: DomainName,
  nowMs: number,
): HoldOutcome {
  const holdSeconds = plan.holdSeconds[plan.currentStep];
  if (holdSeconds === undefined || plan.currentStep >= plan.steps.length) {
    return { decision: null, status: `plan step ${plan.currentStep} does not exist` };
  }
  const remainingMs = plan.stepStartedAt.getTime() + holdSeconds * 1000 - nowMs;
  const weight = plan.steps[plan.currentStep];
  if (remainingMs > 0) {
    return {
      decision: null,
      status: `holding ${weight} % for ${Math.ceil(remainingMs / 1000)} s more`,
    };
  }
  if (hold.breachSeen) {
    return { decision: null, status: `not promoting: breach during the hold (${hold.breachSeen})` };
  }
  const total = measure([hold.settled, ...hold.recent.values()], policy);
  if (total.requests < policy.minRequests) {
    return {
      decision: null,
      status: `waiting for traffic: ${total.requests} of ${policy.minRequests} requests seen during the hold`,
    };
  }
  const over = exceedsMeasured(total, policy);
  if (over.errors || over.latency) {
    return {
      decision: null,
      status: `not promoting: the hold was unhealthy (${describeBreach(total, policy, holdSeconds, over)})`,
    };
  }
  const next = plan.steps[plan.currentStep + 1];
  return {
    decision: {
      action: "promote",
      domain,
      planId: plan.id,
      fromStep: plan.currentStep,
      to: next ?? "migrated",
      reason: `hold of ${holdSeconds} s at ${weight} % was healthy: ${describeHealthy(total, policy)}`,
    },
    status: null,
  };
}

export type EvaluationInput = {
  state: GuardState;
  upstreams: readonly UpstreamSeries[];
  now: Date;
  /**
   * How far the statistics reach: the oldest of the gateways' snapshot times (now unless told).
   * A window seen healthy up to then was not yet in breach then.
   */
  observedAt?: Date;
};

export type Evaluation = {
  decisions: Decision[];
  verdicts: DomainVerdict[];
  memory: GuardMemory;
};

/**
 * Judges every domain in canary or migrated over the policy's window, from the change of state
 * on: a window with at least `minRequests` requests that proves the error rate or the p99 over
 * its limit (`judge`) is a breach, rolled back once per domain version (when the policy is
 * enabled); a running plan whose hold elapsed healthy is promoted once.
 */
export function evaluateGuard(input: EvaluationInput, memory: GuardMemory): Evaluation {
  const nowMs = input.now.getTime();
  const nowSecond = Math.floor(nowMs / 1000);
  const observedMs = Math.min(nowMs, input.observedAt?.getTime() ?? nowMs);
  const decisions: Decision[] = [];
  const verdicts: DomainVerdict[] = [];
  const next = new Map<DomainName, DomainMemory>();

  for (const domain of input.state.domains) {
    if (domain.state !== "canary" && domain.state !== "migrated") continue;
    const previous = memory.get(domain.domain);
    const { policy } = domain;
    const seconds = serviceSeconds(input.upstreams, domain.domain);
    // Only whole seconds in the current state: what came before it is another placement's traffic.
    const first = Math.ceil(domain.stateSince.getTime() / 1000);
    const window = windowSeconds(
      seconds,
      nowSecond,
      policy.windowSeconds,
      first,
      Number.POSITIVE_INFINITY,
    );
    const measured = measure(
      window.map(([, s]) => s),
      policy,
    );
    const over = judge(measured, policy);
    const judged = over.judged;
    const breached = over.errors || over.latency;
    const spanSeconds = Math.max(1, Math.min(policy.windowSeconds, nowSecond - first + 1));
    const reason = breached ? describeBreach(measured, policy, spanSeconds, over) : null;

    // The breach began in its first second in breach (per-second series), but not before the
    // guard last saw the window healthy within that second: the later of the two bounds.
    const breachSince = breached
      ? (previous?.breachSince ??
        new Date(
          Math.max(
            breachStart(seconds, nowSecond, policy, first).getTime(),
            previous?.healthyUntil ?? Number.NEGATIVE_INFINITY,
          ),
        ))
      : null;
    const healthyUntil = breached ? (previous?.healthyUntil ?? null) : observedMs;
    let rolledBackAt = previous?.rolledBackAt === domain.version ? previous.rolledBackAt : null;
    if (breached && reason && breachSince && policy.enabled && rolledBackAt === null) {
      rolledBackAt = domain.version;
      decisions.push({
        action: "rollback",
        domain: domain.domain,
        version: domain.version,
        reason,
        breach: {
          requests: measured.requests,
          errorRate: measured.errorRate,
          p99Ms: measured.p99Ms,
          windowSeconds: spanSeconds,
          firstSeenAt: breachSince,
        },
      });
    }

    let hold: HoldMemory | null = null;
    let holdStatus: string | null = null;
    let promoted: string | null = null;
    const plan = domain.plan;
    if (plan && domain.state === "canary" && plan.status === "running") {
      const stepKey = `${plan.id}:${plan.currentStep}`;
      const startSecond = Math.floor(plan.stepStartedAt.getTime() / 1000);
      hold = accumulateHold(holdFor(plan, previous?.hold ?? null), seconds, startSecond, nowSecond);
      if (reason && nowMs >= plan.stepStartedAt.getTime() && !hold.breachSeen) {
        hold = { ...hold, breachSeen: reason };
      }
      if (previous?.promoted === stepKey) {
        promoted = stepKey;
      } else if (!breached) {
        const outcome = judgeHold(plan, hold, policy, domain.domain, nowMs);
        holdStatus = outcome.status;
        if (outcome.decision) {
          decisions.push(outcome.decision);
          promoted = stepKey;
        }
      } else {
        holdStatus = `not promoting: breach during the hold (${reason})`;
      }
    } else if (plan && plan.status === "paused") {
      holdStatus = `plan paused at step ${plan.currentStep + 1} of ${plan.steps.length}`;
    }

    next.set(domain.domain, { breachSince, healthyUntil, rolledBackAt, hold, promoted });
    verdicts.push({
      domain: domain.domain,
      state: domain.state,
      window: { ...measured, seconds: window.length },
      judged,
      breach: reason,
      hold: holdStatus,
    });
  }
  return { decisions, verdicts, memory: next };
}

/**
 * Forgets that a decision was made, so that the next evaluation makes it again: for a call that
 * failed (network, conflict) rather than one the control plane carried out.
 */
export function forgetDecision(memory: GuardMemory, decision: Decision): GuardMemory {
  const entry = memory.get(decision.domain);
  if (!entry) return memory;
  const next = new Map(memory);
  if (decision.action === "rollback" && entry.rolledBackAt === decision.version) {
    next.set(decision.domain, { ...entry, rolledBackAt: null });
  }
  if (
    decision.action === "promote" &&
    entry.promoted === `${decision.planId}:${decision.fromStep}`
  ) {
    next.set(decision.domain, { ...entry, promoted: null });
  }
  return next;
}
