import type { Dispatcher } from "undici";

/** A finished upstream call: status, headers as received (flat name/value list) and the body. */
export type UpstreamAnswer = {
  status: number;
  /** `[name, value, name, value, …]` in the upstream's order and case, latin1 as on the wire. */
  rawHeaders: string[];
  body: Buffer;
};

/** An upstream did not answer in full within its side's deadline. */
export class UpstreamTimeoutError extends Error {
  override name = "UpstreamTimeoutError";
  readonly code = "GATEWAY_UPSTREAM_TIMEOUT";

  constructor(readonly timeoutMs: number) {
    super(`no complete answer within ${timeoutMs} ms`);
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * The deadlines of one side's calls in flight. Every call of a side has the same timeout, so
 * the insertion order of a Set is the deadline order: one coarse timer expires the oldest ones
 * instead of a timer and an AbortController per call. A deadline is kept within one tick
 * (a twentieth of the timeout, 5–250 ms).
 */
export class Deadlines {
  readonly #calls = new Set<BufferingCall>();
  readonly #tickMs: number;
  #timer: NodeJS.Timeout | null = null;

  constructor(readonly timeoutMs: number) {
    this.#tickMs = Math.max(5, Math.min(250, Math.floor(timeoutMs / 20)));
  }

  add(call: BufferingCall): void {
    this.#calls.add(call);
    if (this.#timer === null) {
      this.#timer = setInterval(() => this.#sweep(), this.#tickMs);
      this.#timer.unref();
    }
  }

  delete(call: BufferingCall): void {
    this.#calls.delete(call);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #sweep(): void {
    const now = performance.now();
    for (const call of this.#calls) {
      if (call.deadline > now) break;
      this.#calls.delete(call);
      call.expire(this.timeoutMs);
    }
  }
}

/**
 * undici's (legacy, unwrapped) dispatch handler for one call: collects the status, the raw
 * headers and the body chunks, and settles once, with the whole answer (`answered`) or the
 * error (`failed`): no promise, no Readable, no AbortController, no timer per call. A subclass
 * says what happens next; `Upstreams.dispatch` starts it.
 */
export abstract class BufferingCall implements Dispatcher.DispatchHandler {
  deadline = 0;
  #deadlines: Deadlines | null = null;
  #abort: ((error?: Error) => void) | null = null;
  #status = 0;
  #rawHeaders: string[] = [];
  #chunks: Buffer[] | null = null;
  #first: Buffer | null = null;
  #length = 0;
  #settled = false;

  /** The whole answer, once. */
  protected abstract answered(answer: UpstreamAnswer): void;
  /** The call failed (undici's error, or UpstreamTimeoutError past the deadline), once. */
  protected abstract failed(error: unknown): void;

  /** Starts the deadline; called by Upstreams.dispatch just before undici gets the call. */
  begin(deadlines: Deadlines): void {
    this.#deadlines = deadlines;
    this.deadline = performance.now() + deadlines.timeoutMs;
    deadlines.add(this);
  }

  /** Past the deadline: aborts the request and fails the call with UpstreamTimeoutError. */
  expire(timeoutMs: number): void {
    const error = new UpstreamTimeoutError(timeoutMs);
    this.#fail(error);
    this.#abort?.(error);
  }

  onConnect(abort: (error?: Error) => void): void {
    if (this.#settled) abort(new UpstreamTimeoutError(this.#deadlines?.timeoutMs ?? 0));
    else this.#abort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    // 1xx interim answers are not the answer
    if (statusCode < 200) return true;
    this.#status = statusCode;
    const names = new Array<string>(rawHeaders.length);
    for (let i = 0; i < rawHeaders.length; i++) names[i] = rawHeaders[i]?.toString("latin1") ?? "";
    this.#rawHeaders = names;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#first === null) this.#first = chunk;
    else {
      this.#chunks ??= [this.#first];
      this.#chunks.push(chunk);
    }
    this.#length += chunk.length;
    return true;
  }

  onComplete(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#deadlines?.delete(this);
    const body = this.#chunks ? Buffer.concat(this.#chunks, this.#length) : (this.#first ?? EMPTY);
    this.answered({ status: this.#status, rawHeaders: this.#rawHeaders, body });
  }

  onError(error: Error): void {
    this.#fail(error);
  }

  #fail(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#deadlines?.delete(this);
    this.failed(error);
  }
}

/** A call whose answer is a promise (the shadow mirror, tests). */
export class PromisedCall extends BufferingCall {
  constructor(
    private readonly resolve: (answer: UpstreamAnswer) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    super();
  }

  protected answered(answer: UpstreamAnswer): void {
    this.resolve(answer);
  }

  protected failed(error: unknown): void {
    this.reject(error);
  }
}
