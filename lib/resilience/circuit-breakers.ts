import { CircuitState, ConsecutiveBreaker, type IBreaker, SamplingBreaker } from "cockatiel";
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

function buildBreaker(opening: BreakerOpening): IBreaker {
  if (opening.kind === "consecutive") return new ConsecutiveBreaker(opening.failures);
  return new SamplingBreaker({
    threshold: opening.threshold,
    duration: opening.windowMs,
    minimumRps: opening.minimumRps,
  });
}

/** `admit()`'s answer when the breaker refuses the call. */
export const REJECTED = -1;
/** `admit()`'s ticket while forced closed: nothing is counted. */
const UNGUARDED = 0;
/** An AbortSignal that never fires, for calls given none. */
const NEVER_ABORTED = new AbortController().signal;

/**
 * The circuit breaker of one upstream. When it opens is cockatiel's decision (its
 * ConsecutiveBreaker or SamplingBreaker counts the outcomes); the states around it (closed →
 * open → one half-open probe → closed or open again) are kept here, synchronously, so that the
 * gateway's hot path asks and reports without a promise per call (decision 0023). Operators can
 * force it open or closed (calls bypass the breaker); `release()` hands it back to automatic
 * with fresh counters.
 */
export class UpstreamBreaker {
  readonly key: UpstreamKey;
  private counter: IBreaker;
  private forcedMode: BreakerForce | null = null;
  private currentState: BreakerState = "closed";
  private currentSince: number;
  /** Changes with every state: a ticket of an earlier state settles nothing. */
  private generation = 1;
  /** Half-open: the one probe is out. */
  private probing = false;

  constructor(
    readonly domain: DomainName,
    readonly side: UpstreamSide,
    readonly settings: BreakerSettings,
    private readonly onTransition: (event: BreakerTransitionEvent) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.key = upstreamKey(domain, side);
    this.currentSince = now();
    this.counter = buildBreaker(settings.opening);
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

  /**
   * Asks to make one call: REJECTED when the breaker refuses it (open, forced open, or a
   * half-open probe already in flight: a gateway answers fast instead of queueing), else a
   * ticket to hand to `settle` once the call is over. The first call after the open period is
   * the half-open probe.
   */
  admit(): number {
    if (this.forcedMode === "closed") return UNGUARDED;
    if (this.forcedMode === "open") return REJECTED;
    if (this.currentState === "open") {
      if (this.now() - this.currentSince < this.settings.halfOpenAfterMs) return REJECTED;
      this.enter("half-open");
    }
    if (this.currentState === "half-open") {
      if (this.probing) return REJECTED;
      this.probing = true;
    }
    return this.generation;
  }

  /**
   * Reports the call of `ticket`: failed or not, or null when it never reached the upstream
   * (the gateway refused to send it), which counts neither way.
   */
  settle(ticket: number, failed: boolean | null): void {
    if (ticket !== this.generation) return;
    if (this.currentState === "half-open") {
      this.probing = false;
      if (failed === null) {
        // no probe happened: still half-open, the next call is the probe
        return;
      }
      if (failed) {
        this.counter.failure(CircuitState.HalfOpen);
        this.enter("open");
      } else {
        this.counter.success(CircuitState.HalfOpen);
        this.enter("closed");
      }
      return;
    }
    if (failed === null || this.currentState !== "closed") return;
    if (!failed) this.counter.success(CircuitState.Closed);
    else if (this.counter.failure(CircuitState.Closed)) this.enter("open");
  }

  /** Runs `fn` through the breaker; never throws, see BreakerCallOutcome. */
  async execute<T>(
    fn: (signal: AbortSignal) => Promise<T>,
    options: BreakerCallOptions<T> = {},
  ): Promise<BreakerCallOutcome<T>> {
    const ticket = this.admit();
    if (ticket === REJECTED) return this.rejection();
    try {
      const value = await fn(options.signal ?? NEVER_ABORTED);
      const failed = options.isFailure ? options.isFailure(value) : false;
      this.settle(ticket, failed);
      return { kind: "completed", value, failed };
    } catch (error) {
      this.settle(ticket, true);
      return { kind: "threw", error };
    }
  }

  /** The outcome of a call `admit()` refused, as the breaker stands now. */
  rejection(): BreakerCallOutcome<never> & { kind: "rejected" } {
    const forced = this.forcedMode === "open";
    const state = forced || this.currentState !== "half-open" ? "open" : "half-open";
    return { kind: "rejected", key: this.key, state, forced };
  }

  /** Holds the breaker open (every call rejected) or closed (every call let through). */
  force(mode: BreakerForce): void {
    if (this.forcedMode === mode) return;
    this.forcedMode = mode;
    this.counter = buildBreaker(this.settings.opening);
    this.enter(mode);
  }

  /** Back to automatic operation, closed with fresh counters. */
  release(): void {
    if (this.forcedMode === null) return;
    this.forcedMode = null;
    this.counter = buildBreaker(this.settings.opening);
    this.enter("closed");
  }

  /** Nothing to stop: kept for the registry's lifecycle. */
  dispose(): void {}

  private enter(next: BreakerState, since = this.now()): void {
    this.generation += 1;
    this.probing = false;
    const from = this.currentState;
    if (next === from) return;
    this.currentSince = since;
    this.currentState = next;
    this.onTransition({
      key: this.key,
      domain: this.domain,
      side: this.side,
      from,
      to: next,
      forced: this.forcedMode,
      at: new Date(since),
    });
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
          for (const listener of this.listeners) {
            try {
              listener(event);
            } catch {
              // a listener's fault must not leave a breaker between two states
            }
          }
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
