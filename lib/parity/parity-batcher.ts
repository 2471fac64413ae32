import type { Redis } from "ioredis";
import type { DomainName } from "@/lib/contracts/domains";
import type { ParityComparison } from "@/lib/parity/compare-responses";
import {
  emptyParityTally,
  PARITY_SAMPLE_LIMIT,
  PARITY_WINDOW_SECONDS,
  type ParitySampleInput,
  type ParityTally,
  tallyParity,
  writeParityTallies,
} from "@/lib/parity/parity-store";

type Log = {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
};

export type ParityBatcherOptions = {
  redis: Redis;
  /** Redis key prefix (KEIKO_KEY_PREFIX). */
  prefix: string;
  logger: Log;
  /** Pending pairs are written this long after the first of them at the latest; 100 ms unless told. */
  flushMs?: number;
  /** This many pending pairs are written at once, before the timer; 1,000 unless told. */
  maxPending?: number;
};

/** Adds `older` (a batch whose write failed) under `into`, keeping what a later write still needs. */
function mergeOlder(into: ParityTally, older: ParityTally, nowSecond: number): void {
  into.matched += older.matched;
  into.mismatched += older.mismatched;
  // seconds out of the gate's window would be read by no one: while Redis is down they are
  // dropped (the totals keep them), so a long outage holds at most one window of seconds
  const oldest = nowSecond - PARITY_WINDOW_SECONDS;
  for (const [second, counts] of older.seconds) {
    if (second < oldest) continue;
    const current = into.seconds.get(second);
    if (current === undefined) into.seconds.set(second, counts);
    else {
      current.matched += counts.matched;
      current.mismatched += counts.mismatched;
    }
  }
  into.samples = [...older.samples, ...into.samples].slice(-PARITY_SAMPLE_LIMIT);
}

/**
 * Parity of the shadow mirror, written in batches (decision 0022): compared pairs are summed per
 * domain in memory and written in one MULTI every `flushMs` or every `maxPending` pairs, with the
 * same keys and fields as recordParity. One write at a time; a failed write keeps its counts for
 * the next tick (samples capped at 50 per domain, as Redis keeps them) and is logged once per
 * streak of failures.
 */
export class ParityBatcher {
  readonly #flushMs: number;
  readonly #maxPending: number;
  #pending = new Map<DomainName, ParityTally>();
  #pairs = 0;
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> | null = null;
  #failing = false;

  constructor(private readonly options: ParityBatcherOptions) {
    this.#flushMs = options.flushMs ?? 100;
    this.#maxPending = options.maxPending ?? 1_000;
  }

  /** Pairs counted and not yet written. */
  get pending(): number {
    return this.#pairs;
  }

  /** Counts one compared pair (written with the next batch). */
  add(domain: DomainName, result: ParityComparison, sample: ParitySampleInput): void {
    let tally = this.#pending.get(domain);
    if (tally === undefined) {
      tally = emptyParityTally();
      this.#pending.set(domain, tally);
    }
    tallyParity(tally, result, sample);
    this.#pairs += 1;
    // a write in flight decides what comes next once it ends (#afterWrite)
    if (this.#writing !== null) return;
    if (this.#pairs >= this.#maxPending && !this.#failing) void this.#write();
    else this.#arm();
  }

  /**
   * Writes what is pending now, after the write in flight (on shutdown, and where a test reads
   * parity). Never rejects: a failed write keeps its counts for the next tick.
   */
  async flush(): Promise<void> {
    while (this.#writing !== null) await this.#writing;
    if (this.#pairs > 0) await this.#write();
  }

  #arm(): void {
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#writing === null && this.#pairs > 0) void this.#write();
    }, this.#flushMs);
    // a pending batch never keeps the process alive; shutdown flushes it (ShadowMirror.drain)
    this.#timer.unref();
  }

  #write(): Promise<void> {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const batch = this.#pending;
    const pairs = this.#pairs;
    this.#pending = new Map();
    this.#pairs = 0;
    const writing = writeParityTallies(this.options.redis, this.options.prefix, batch)
      .then(
        () => this.#succeeded(pairs),
        (error: unknown) => this.#failed(error, batch, pairs),
      )
      .finally(() => {
        this.#writing = null;
        this.#afterWrite();
      });
    this.#writing = writing;
    return writing;
  }

  #succeeded(pairs: number): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.options.logger.info({ pairs }, "parity writes recovered");
  }

  #failed(error: unknown, batch: Map<DomainName, ParityTally>, pairs: number): void {
    const nowSecond = Math.floor(Date.now() / 1000);
    for (const [domain, older] of batch) {
      let tally = this.#pending.get(domain);
      if (tally === undefined) {
        tally = emptyParityTally();
        this.#pending.set(domain, tally);
      }
      mergeOlder(tally, older, nowSecond);
    }
    this.#pairs += pairs;
    if (this.#failing) return;
    this.#failing = true;
    this.options.logger.warn(
      { err: error, pending: this.#pairs },
      "parity write failed; counts kept and retried every tick",
    );
  }

  #afterWrite(): void {
    if (this.#pairs === 0) return;
    // while failing, retry on the timer only: a full batch must not spin against a down Redis
    if (this.#pairs >= this.#maxPending && !this.#failing) void this.#write();
    else this.#arm();
  }
}
