import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
  type IBreaker,
  IsolatedCircuitError,
  SamplingBreaker,
} from "cockatiel";
import { z } from "zod";
import type { DomainName } from "@/lib/contracts/domains";
import type { BreakerForce, BreakerState } from "@/lib/resilience/stats-snapshot";
import { type UpstreamKey, type UpstreamSide, upstreamKey } from "@/lib/resilience/upstream-key";

export type { BreakerForce, BreakerState } from "@/lib/resilience/stats-snapshot";

/**
 * When a breaker opens: after `failures` consecutive failures (cockatiel's ConsecutiveBreaker),
 * or when more than `threshold` (0..1) of the calls over `windowMs` failed while the volume was
 * at least `minimumRps` calls per second (cockatiel's SamplingBreaker).
 */
export type BreakerOpening =
  | { kind: "consecutive"; failures: number }
  | { kind: "rate"; threshold: number; windowMs: number; minimumRps?: number };

/** How one upstream's breaker behaves. */
export interface BreakerSettings {
  opening: BreakerOpening;
  /** How long an opened breaker rejects calls before it lets one probe through (half-open). */
  halfOpenAfterMs: number;
}

/** BreakerSettings as configuration input (cockatiel rejects a rate threshold outside (0, 1)). */
export const BreakerSettingsSchema = z.object({
  opening: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("consecutive"), failures: z.number().int().min(1) }),
    z.object({
      kind: z.literal("rate"),
      threshold: z.number().gt(0).lt(1),
      windowMs: z.number().int().min(1_000),
      minimumRps: z.number().positive().optional(),
    }),
  ]),
  halfOpenAfterMs: z.number().int().min(1),
}) satisfies z.ZodType<BreakerSettings>;

export const DEFAULT_BREAKER_SETTINGS: BreakerSettings = {
  opening: { kind: "consecutive", failures: 5 },
  halfOpenAfterMs: 5_000,
};

/** One breaker as the console and the stats snapshot show it. */
export interface BreakerStatus {
  key: UpstreamKey;
  domain: DomainName;
  side: UpstreamSide;
  state: BreakerState;
  /** The operator override in force, or null when the breaker runs automatically. */
  forced: BreakerForce | null;
  /** When the breaker entered its current state. */
  since: Date;
}

/** A change of a breaker's reported state, e.g. closed → open. */
export interface BreakerTransitionEvent {
  key: UpstreamKey;
  domain: DomainName;
  side: UpstreamSide;
  from: BreakerState;
  to: BreakerState;
  forced: BreakerForce | null;
  at: Date;
}

export interface BreakerCallOptions<T> {
  /**
   * Counts a resolved value as a failure (e.g. a 5xx answer) while still returning it; thrown
   * errors (timeouts, connection errors) always count.
   */
  isFailure?: (value: T) => boolean;
  /** Aborts the call; handed to `fn`. */
  signal?: AbortSignal;
}

/**
 * What a call through a breaker came to. `rejected` means the breaker did not let the call
 * through (open, isolated by an operator, or a half-open probe already in flight): the gateway
 * falls back to legacy or answers a fast 503; `fn` was not called.
 */
export type BreakerCallOutcome<T> =
  | { kind: "completed"; value: T; failed: boolean }
  | { kind: "threw"; error: unknown }
  | {
      kind: "rejected";
      key: UpstreamKey;
      state: Exclude<BreakerState, "closed">;
      forced: boolean;
    };

type CallResult<T> = { value: T; failed: boolean };

// Only the failed flag decides a resolved call's fate, so cockatiel returns the value unthrown.
const breakerPolicy = handleAll.orWhenResult(
  (result) => (result as CallResult<unknown>).failed === true,
);

function buildBreaker(opening: BreakerOpening): IBreaker {
  if (opening.kind === "consecutive") return new ConsecutiveBreaker(opening.failures);
  return new SamplingBreaker({
    threshold: opening.threshold,
    duration: opening.windowMs,
    minimumRps: opening.minimumRps,
  });
}

function reportedState(state: CircuitState): BreakerState {
  if (state === CircuitState.Closed) return "closed";
  if (state === CircuitState.HalfOpen) return "half-open";
  return "open";
}

/**
 * The circuit breaker of one upstream, on a cockatiel CircuitBreakerPolicy. Operators can force
 * it open (cockatiel's isolate()) or closed (calls bypass the breaker); `release()` hands it back
 * to automatic with fresh counters.
 */
export class UpstreamBreaker {
  readonly key: UpstreamKey;
  private policy!: CircuitBreakerPolicy;
  private policyListener: { dispose(): void } | null = null;
  private isolation: { dispose(): void } | null = null;
  private forcedMode: BreakerForce | null = null;
  private currentState: BreakerState = "closed";
  private currentSince: number;

  constructor(
    readonly domain: DomainName,
    readonly side: UpstreamSide,
    readonly settings: BreakerSettings,
    private readonly onTransition: (event: BreakerTransitionEvent) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.key = upstreamKey(domain, side);
    this.currentSince = now();
    this.replacePolicy();
  }

  /** closed, open or half-open; an operator's force wins over the automatic state. */
  get state(): BreakerState {
    return this.currentState;
  }

  get forced(): BreakerForce | null {
    return this.forcedMode;
  }

  /** When the breaker entered its current state. */
  get since(): Date {
    return new Date(this.currentSince);
  }

  status(): BreakerStatus {
    return {
      key: this.key,
      domain: this.domain,
      side: this.side,
      state: this.currentState,
      forced: this.forcedMode,
      since: new Date(this.currentSince),
    };
  }

  /** Runs `fn` through the breaker; never throws, see BreakerCallOutcome. */
  async execute<T>(
    fn: (signal: AbortSignal) => Promise<T>,
    options: BreakerCallOptions<T> = {},
  ): Promise<BreakerCallOutcome<T>> {
    if (this.forcedMode === "closed") return runUnguarded(fn, options);
    if (this.forcedMode === "open") return this.rejection("open");
    // cockatiel queues callers behind a half-open probe; a gateway must answer fast instead.
    if (this.currentState === "half-open") return this.rejection("half-open");
    if (
      this.currentState === "open" &&
      this.now() - this.currentSince < this.settings.halfOpenAfterMs
    ) {
      return this.rejection("open");
    }
    const isFailure = options.isFailure;
    try {
      const result = await this.policy.execute(async ({ signal }) => {
        const value = await fn(signal);
        return { value, failed: isFailure ? isFailure(value) : false } satisfies CallResult<T>;
      }, options.signal);
      return { kind: "completed", value: result.value, failed: result.failed };
    } catch (error) {
      if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
        // The state may have moved on while the call waited (cockatiel's half-open queue).
        return this.rejection(this.status().state === "half-open" ? "half-open" : "open");
      }
      return { kind: "threw", error };
    }
  }

  /** Holds the breaker open (every call rejected) or closed (every call let through). */
  force(mode: BreakerForce): void {
    if (this.forcedMode === mode) return;
    this.forcedMode = mode;
    this.isolation?.dispose();
    this.isolation = null;
    this.replacePolicy();
    if (mode === "open") this.isolation = this.policy.isolate();
    this.syncState();
  }

  /** Back to automatic operation, closed with fresh counters. */
  release(): void {
    if (this.forcedMode === null) return;
    this.forcedMode = null;
    this.isolation?.dispose();
    this.isolation = null;
    this.replacePolicy();
    this.syncState();
  }

  /** Stops listening to the underlying policy. */
  dispose(): void {
    this.policyListener?.dispose();
    this.policyListener = null;
  }

  private replacePolicy(): void {
    this.policyListener?.dispose();
    this.policy = circuitBreaker(breakerPolicy, {
      halfOpenAfter: this.settings.halfOpenAfterMs,
      breaker: buildBreaker(this.settings.opening),
    });
    this.policyListener = this.policy.onStateChange(() => this.syncState());
  }

  private syncState(): void {
    const next = this.forcedMode === "closed" ? "closed" : reportedState(this.policy.state);
    if (next === this.currentState) return;
    const from = this.currentState;
    const at = this.now();
    this.currentState = next;
    this.currentSince = at;
    this.onTransition({
      key: this.key,
      domain: this.domain,
      side: this.side,
      from,
      to: next,
      forced: this.forcedMode,
      at: new Date(at),
    });
  }

  private rejection(state: Exclude<BreakerState, "closed">): BreakerCallOutcome<never> {
    return { kind: "rejected", key: this.key, state, forced: this.forcedMode === "open" };
  }
}

async function runUnguarded<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  options: BreakerCallOptions<T>,
): Promise<BreakerCallOutcome<T>> {
  try {
    const value = await fn(options.signal ?? new AbortController().signal);
    return {
      kind: "completed",
      value,
      failed: options.isFailure ? options.isFailure(value) : false,
    };
  } catch (error) {
    return { kind: "threw", error };
  }
}

/** Runs `fn` through `breaker`; a call the breaker refuses comes back as `kind: "rejected"`. */
export function executeThroughBreaker<T>(
  breaker: UpstreamBreaker,
  fn: (signal: AbortSignal) => Promise<T>,
  options?: BreakerCallOptions<T>,
): Promise<BreakerCallOutcome<T>> {
  return breaker.execute(fn, options);
}

export interface CircuitBreakerRegistryOptions {
  /** Settings of every breaker unless `settingsFor` gives others. */
  settings?: BreakerSettings;
  /** Per-upstream settings; undefined falls back to `settings`. */
  settingsFor?: (domain: DomainName, side: UpstreamSide) => BreakerSettings | undefined;
  /** Called on every state change of every breaker. */
  onTransition?: (event: BreakerTransitionEvent) => void;
  /** Clock of `since` and transition times (cockatiel itself reads Date.now). */
  now?: () => number;
}

/** Operator overrides by upstream key, as stored in Redis (breaker-overrides.ts). */
export type BreakerOverrides = Partial<Record<UpstreamKey, BreakerForce>>;

/** One breaker per upstream (`<domain>:<side>`), created on first use. */
export class CircuitBreakerRegistry {
  private readonly breakers = new Map<UpstreamKey, UpstreamBreaker>();
  private readonly listeners = new Set<(event: BreakerTransitionEvent) => void>();
  private readonly options: CircuitBreakerRegistryOptions;

  constructor(options: CircuitBreakerRegistryOptions = {}) {
    this.options = options;
    if (options.onTransition) this.listeners.add(options.onTransition);
  }

  /** The breaker of one upstream, created with its settings on first use. */
  breaker(domain: DomainName, side: UpstreamSide): UpstreamBreaker {
    const key = upstreamKey(domain, side);
    let breaker = this.breakers.get(key);
    if (!breaker) {
      const settings =
        this.options.settingsFor?.(domain, side) ??
        this.options.settings ??
        DEFAULT_BREAKER_SETTINGS;
      breaker = new UpstreamBreaker(
        domain,
        side,
        settings,
        (event) => {
          for (const listener of this.listeners) listener(event);
        },
        this.options.now,
      );
      this.breakers.set(key, breaker);
    }
    return breaker;
  }

  /** Runs `fn` through the upstream's breaker; see BreakerCallOutcome. */
  execute<T>(
    domain: DomainName,
    side: UpstreamSide,
    fn: (signal: AbortSignal) => Promise<T>,
    options?: BreakerCallOptions<T>,
  ): Promise<BreakerCallOutcome<T>> {
    return this.breaker(domain, side).execute(fn, options);
  }

  /** The status of one upstream's breaker (created if needed). */
  status(domain: DomainName, side: UpstreamSide): BreakerStatus {
    return this.breaker(domain, side).status();
  }

  /** Every breaker created so far, sorted by key. */
  statuses(): BreakerStatus[] {
    return [...this.breakers.values()]
      .map((breaker) => breaker.status())
      .sort((a, b) => a.key.localeCompare(b.key));
  }

  /** Operator override: hold one upstream's breaker open or closed. */
  force(domain: DomainName, side: UpstreamSide, mode: BreakerForce): void {
    this.breaker(domain, side).force(mode);
  }

  /** Ends an operator override; the breaker runs automatically again, closed. */
  release(domain: DomainName, side: UpstreamSide): void {
    this.breaker(domain, side).release();
  }

  /**
   * Makes the forced breakers exactly those in `overrides` (the whole set read from Redis):
   * forces the listed ones, releases forced ones no longer listed.
   */
  applyOverrides(overrides: BreakerOverrides): void {
    for (const [key, mode] of Object.entries(overrides) as Array<[UpstreamKey, BreakerForce]>) {
      const [domain, side] = key.split(":") as [DomainName, UpstreamSide];
      this.force(domain, side, mode);
    }
    for (const breaker of this.breakers.values()) {
      if (breaker.forced !== null && overrides[breaker.key] === undefined) breaker.release();
    }
  }

  /** Listens to every breaker's transitions; returns the function that stops listening. */
  onTransition(listener: (event: BreakerTransitionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  dispose(): void {
    for (const breaker of this.breakers.values()) breaker.dispose();
    this.listeners.clear();
  }
}
