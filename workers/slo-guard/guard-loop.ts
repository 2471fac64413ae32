import { TRPCClientError } from "@trpc/client";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { DomainName } from "@/lib/contracts/domains";
import type { GuardState } from "@/lib/contracts/guard";
import { readGatewayStats, subscribeGatewayStats } from "@/lib/resilience/stats-publisher";
import type { GuardControlPlane } from "./control-plane";
import {
  type Decision,
  type DomainVerdict,
  EMPTY_MEMORY,
  evaluateGuard,
  forgetDecision,
  type PromoteDecision,
  type RollbackDecision,
} from "./evaluate";
import { GatewayStatsCache } from "./stats-cache";
import { startTimelineWatch, type TimelineWatch } from "./timeline-watch";
import type { TimelineWatchSettings } from "./timeline-watch-config";

/** A refusal by the control plane because the guard's view was stale (tRPC CONFLICT). */
function isConflict(error: unknown): boolean {
  return error instanceof TRPCClientError && error.data?.code === "CONFLICT";
}

/** What the guard did, with its timings; handed to `onAction` and logged. */
export type GuardActionEvent =
  | (RollbackDecision & {
      ok: true;
      /**
       * From the start of the breach (`firstSeenAt`: its first second in breach, or the last
       * statistics that showed the window healthy if later) to the rollback call returning.
       */
      breachToRollbackMs: number;
      /** From the start of the breach to the decision (waiting for evidence). */
      detectMs: number;
      /** The rollback call alone. */
      callMs: number;
    })
  | (PromoteDecision & { ok: true; callMs: number })
  | (Decision & { ok: false; error: string });

export type SloGuardOptions = {
  /** Commands connection; the subscription runs on a duplicate of it. */
  redis: Redis;
  prefix: string;
  controlPlane: GuardControlPlane;
  logger: Logger;
  /** Evaluation without a new snapshot every this often (GUARD_INTERVAL_MS). */
  intervalMs: number;
  /** GuardState is read again this often, and right after every action. */
  stateRefreshMs?: number;
  onAction?: (event: GuardActionEvent) => void;
  /** The timeline watcher's thresholds (defaults unless told); false: no watcher. */
  timeline?: TimelineWatchSettings | false;
};

export type SloGuard = {
  /** Stops the timers and the subscription and waits for calls in flight. */
  stop(): Promise<void>;
  /** The last GuardState read, or null before the first successful read. */
  readonly state: GuardState | null;
  /** How many gateways' snapshots the guard holds. */
  readonly gateways: number;
};

/**
 * The slo-guard loop: evaluates as soon as a gateway snapshot arrives on `<prefix>gateway:stats`
 * and every `intervalMs`, reads GuardState every second and after acting, and calls the control
 * plane for each decision (at most once per domain per breach; a failed call is retried).
 */
export async function startSloGuard(options: SloGuardOptions): Promise<SloGuard> {
  const { controlPlane, logger } = options;
  const cache = new GatewayStatsCache();
  const inFlight = new Set<Promise<void>>();
  let memory = EMPTY_MEMORY;
  let state: GuardState | null = null;
  let stopping = false;
  let refreshing: Promise<void> | null = null;
  let refreshAgain = false;
  let stateFailing = false;
  let invalidLogged = false;
  const lastVerdicts = new Map<DomainName, DomainVerdict>();
  // Breaker transitions, DLQ spikes and parity drops for the console's timeline (once subscribed).
  let timelineWatch: TimelineWatch | null = null;

  function refreshState(): Promise<void> {
    // A read that started before an action may return the old state: read once more after it.
    if (refreshing) {
      refreshAgain = true;
      return refreshing;
    }
    refreshing = (async () => {
      do {
        refreshAgain = false;
        try {
          state = await controlPlane.guardState();
          if (stateFailing) logger.info("control plane answers again");
          stateFailing = false;
        } catch (error) {
          if (!stateFailing) logger.warn({ err: error }, "cannot read the guard state; retrying");
          stateFailing = true;
        }
      } while (refreshAgain && !stopping);
    })().finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  function logVerdicts(verdicts: DomainVerdict[]): void {
    // Domains no longer watched are forgotten, so a later breach of theirs is logged anew.
    const watched = new Set(verdicts.map((v) => v.domain));
    for (const domain of lastVerdicts.keys()) if (!watched.has(domain)) lastVerdicts.delete(domain);
    for (const verdict of verdicts) {
      const last = lastVerdicts.get(verdict.domain);
      if (verdict.breach && !last?.breach) {
        logger.warn(
          { domain: verdict.domain, window: verdict.window },
          `SLO breach: ${verdict.breach}`,
        );
      } else if (!verdict.breach && last?.breach) {
        logger.info({ domain: verdict.domain, window: verdict.window }, "SLO breach over");
      }
      if (verdict.hold !== last?.hold && verdict.hold) {
        logger.debug({ domain: verdict.domain }, verdict.hold);
      }
      lastVerdicts.set(verdict.domain, verdict);
    }
  }

  async function act(decision: Decision): Promise<void> {
    const started = Date.now();
    try {
      if (decision.action === "rollback") {
        await controlPlane.rollback({
          domain: decision.domain,
          version: decision.version,
          reason: decision.reason,
          breach: decision.breach,
        });
        const returned = Date.now();
        const firstSecond = decision.breach.firstSeenAt.getTime();
        const event: GuardActionEvent = {
          ...decision,
          ok: true,
          breachToRollbackMs: returned - firstSecond,
          detectMs: started - firstSecond,
          callMs: returned - started,
        };
        logger.info(
          {
            domain: decision.domain,
            breach: decision.breach,
            breachToRollbackMs: event.breachToRollbackMs,
            detectMs: event.detectMs,
            callMs: event.callMs,
          },
          `rolled back ${decision.domain}: ${decision.reason}; ${event.breachToRollbackMs} ms from the start of the breach`,
        );
        options.onAction?.(event);
      } else {
        await controlPlane.promote({
          domain: decision.domain,
          planId: decision.planId,
          fromStep: decision.fromStep,
        });
        const to = decision.to === "migrated" ? "migrated" : `${decision.to} %`;
        logger.info(
          { domain: decision.domain, planId: decision.planId, fromStep: decision.fromStep, to },
          `promoted ${decision.domain} to ${to}: ${decision.reason}`,
        );
        options.onAction?.({ ...decision, ok: true, callMs: Date.now() - started });
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (isConflict(error)) {
        // The domain moved on (an operator, a plan) since the state the decision was made on.
        logger.warn(
          {
            domain: decision.domain,
            version: "version" in decision ? decision.version : undefined,
          },
          `${decision.action} of ${decision.domain} not applied, the decision was stale: ${message}`,
        );
      } else {
        logger.error(
          { err: error, domain: decision.domain },
          `${decision.action} of ${decision.domain} failed (retrying): ${message}`,
        );
      }
      options.onAction?.({ ...decision, ok: false, error: message });
      // Decided again only on a fresh state: a conflict or "already on legacy" is not retried blind.
      await refreshState();
      memory = forgetDecision(memory, decision);
      return;
    }
    if (!stopping) void refreshState();
  }

  function evaluate(): void {
    if (!state || stopping) return;
    const now = new Date();
    const upstreams = cache.upstreams(now.getTime());
    const observedAt = cache.observedAt(now.getTime()) ?? now;
    const result = evaluateGuard({ state, upstreams, now, observedAt }, memory);
    memory = result.memory;
    logVerdicts(result.verdicts);
    for (const decision of result.decisions) {
      const call = act(decision).finally(() => inFlight.delete(call));
      inFlight.add(call);
    }
  }

  const subscription = await subscribeGatewayStats(
    options.redis,
    options.prefix,
    (snapshot) => {
      if (!cache.put(snapshot)) return;
      timelineWatch?.snapshot(snapshot);
      evaluate();
    },
    (_message, error) => {
      // One line per process is enough to find a misbehaving gateway; the rest would be noise.
      if (!invalidLogged) logger.warn({ err: error }, "ignoring an invalid gateway snapshot");
      invalidLogged = true;
    },
  );
  const recordTimeline = controlPlane.recordTimeline?.bind(controlPlane);
  if (recordTimeline && options.timeline !== false) {
    timelineWatch = startTimelineWatch({
      redis: options.redis,
      prefix: options.prefix,
      record: recordTimeline,
      logger,
      settings: options.timeline,
    });
  }
  try {
    const stored = await readGatewayStats(options.redis, options.prefix);
    for (const snapshot of stored.gateways) {
      if (cache.put(snapshot)) timelineWatch?.baseline(snapshot);
    }
  } catch (error) {
    logger.warn({ err: error }, "cannot read the stored gateway snapshots; waiting for the next");
  }
  await refreshState();

  const evaluateTimer = setInterval(evaluate, options.intervalMs);
  const refreshTimer = setInterval(() => void refreshState(), options.stateRefreshMs ?? 1_000);
  evaluate();
  logger.info(
    { gateways: cache.gateways, intervalMs: options.intervalMs, stateRead: state !== null },
    "slo-guard started",
  );

  return {
    async stop() {
      if (stopping) return;
      stopping = true;
      clearInterval(evaluateTimer);
      clearInterval(refreshTimer);
      await subscription.close();
      await Promise.allSettled([...inFlight, refreshing, timelineWatch?.stop()]);
    },
    get state() {
      return state;
    },
    get gateways() {
      return cache.gateways;
    },
  };
}
