import { createHash } from "node:crypto";

/** One reading of the source, numbered so that a reconnecting client can say what it last saw. */
export type LiveFrame<T> = { seq: number; value: T; readAt: number };

export type LiveHubOptions<T> = {
  /** Reads the whole state once; a rejection keeps the last frame (it grows stale). */
  read: () => Promise<T>;
  /** Milliseconds between reads while at least one subscriber listens. */
  intervalMs: number;
  /** What decides "changed"; defaults to a hash of the JSON. */
  fingerprint?: (value: T) => string;
  onError?: (error: unknown) => void;
};

/** A SHA-1 of a value's JSON: cheap, and equal exactly when the JSON is. */
export function jsonFingerprint(value: unknown): string {
  return createHash("sha1").update(JSON.stringify(value)).digest("base64url");
}

/**
 * One producer per process for a polled state: it reads only while someone listens, once per
 * interval whatever the number of subscribers, and fans each change out to all of them.
 */
export class LiveHub<T> {
  private readonly listeners = new Set<(frame: LiveFrame<T>) => void>();
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private fingerprint: string | null = null;
  private seq = 0;
  private frame: LiveFrame<T> | null = null;
  /** When the last read succeeded (epoch ms), or 0 before any. */
  lastReadOkAt = 0;
  lastError: unknown = null;
  /** Reads done since the process started: a test's proof that tabs share one producer. */
  reads = 0;

  constructor(private readonly options: LiveHubOptions<T>) {}

  /** The newest frame while the producer runs; null when stopped (it may be out of date). */
  get latest(): LiveFrame<T> | null {
    return this.timer ? this.frame : null;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  get running(): boolean {
    return this.timer !== null;
  }

  /** Calls `listener` with every changed frame until the returned function is called. */
  subscribe(listener: (frame: LiveFrame<T>) => void): () => void {
    this.listeners.add(listener);
    if (!this.timer) this.start();
    return () => {
      if (!this.listeners.delete(listener)) return;
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** Reads now (outside the schedule), e.g. after a change made in this process. */
  kick(): Promise<void> {
    this.inFlight ??= this.readOnce().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private start(): void {
    // A restart must announce its first reading even if it equals the one before the stop.
    this.fingerprint = null;
    this.frame = null;
    this.timer = setInterval(() => {
      if (!this.inFlight) void this.kick();
    }, this.options.intervalMs);
    this.timer.unref();
    void this.kick();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async readOnce(): Promise<void> {
    this.reads += 1;
    let value: T;
    try {
      value = await this.options.read();
    } catch (error) {
      this.lastError = error;
      this.options.onError?.(error);
      return;
    }
    this.lastReadOkAt = Date.now();
    this.lastError = null;
    if (!this.timer) return; // stopped while reading: nobody to tell
    const fingerprint = (this.options.fingerprint ?? jsonFingerprint)(value);
    if (fingerprint === this.fingerprint) return;
    this.fingerprint = fingerprint;
    this.seq += 1;
    this.frame = { seq: this.seq, value, readAt: this.lastReadOkAt };
    for (const listener of [...this.listeners]) listener(this.frame);
  }
}
