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
 * the order calls start in is the deadline order: one coarse timer expires the oldest ones
 * instead of a timer and an AbortController per call. A deadline is kept within one tick
 * (a twentieth of the timeout, 5–250 ms).
 *
 * The calls sit in a ring (a power-of-two array indexed by a running position) and a finished
 * call empties its own slot at once, so nothing of it stays reachable from here. (A Set did the
 * same job, but under load each scavenge found about 2 MB of finished calls still reachable
 * through it, every one of them copied and promoted: a quarter of the gateway's CPU per request.)
 */
export class Deadlines {
  #ring: Array<BufferingCall | null> = new Array(256).fill(null);
  #mask = 255;
  /** Running positions: the oldest slot still in the ring, and the next free one. */
  #head = 0;
  #tail = 0;
  readonly #tickMs: number;
  #timer: NodeJS.Timeout | null = null;

  constructor(readonly timeoutMs: number) {
    this.#tickMs = Math.max(5, Math.min(250, Math.floor(timeoutMs / 20)));
  }

  /** Calls in the ring (finished ones not yet passed over included). */
  get size(): number {
    return this.#tail - this.#head;
  }

  /** Adds `call`; returns its position, which `delete` takes. */
  add(call: BufferingCall): number {
    if (this.#tail - this.#head > this.#mask) this.#grow();
    const position = this.#tail;
    this.#ring[position & this.#mask] = call;
    this.#tail += 1;
    if (this.#timer === null) {
      this.#timer = setInterval(() => this.#sweep(), this.#tickMs);
      this.#timer.unref();
    }
    return position;
  }

  /** Empties the slot of the call at `position` (it finished). */
  delete(position: number): void {
    if (position < this.#head || position >= this.#tail) return;
    this.#ring[position & this.#mask] = null;
    while (this.#head < this.#tail && this.#ring[this.#head & this.#mask] === null) this.#head++;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #grow(): void {
    const ring = new Array<BufferingCall | null>((this.#mask + 1) * 2).fill(null);
    const mask = ring.length - 1;
    for (let position = this.#head; position < this.#tail; position++) {
      ring[position & mask] = this.#ring[position & this.#mask] ?? null;
    }
    this.#ring = ring;
    this.#mask = mask;
  }

  #sweep(): void {
    const now = performance.now();
    while (this.#head < this.#tail) {
      const slot = this.#head & this.#mask;
      const call = this.#ring[slot];
      if (call && call.deadline > now) break;
      this.#ring[slot] = null;
      this.#head += 1;
      call?.expire(this.timeoutMs);
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
  #position = -1;
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
    this.#position = deadlines.add(this);
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
    this.#deadlines?.delete(this.#position);
    const body = this.#chunks ? Buffer.concat(this.#chunks, this.#length) : (this.#first ?? EMPTY);
    this.answered({ status: this.#status, rawHeaders: this.#rawHeaders, body });
  }

  onError(error: Error): void {
    this.#fail(error);
  }

  #fail(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#deadlines?.delete(this.#position);
    this.failed(error);
  }
}
