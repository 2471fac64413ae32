import { type Dispatcher, Pool } from "undici";
import { type BufferingCall, Deadlines, UpstreamTimeoutError } from "./upstream-call";

export { BufferingCall, type UpstreamAnswer, UpstreamTimeoutError } from "./upstream-call";

import type { Side } from "./choose-side";
import type { RouteTable } from "./route-table";

export type UpstreamSettings = {
  /** Deadline (ms) for connecting, for the answer's headers and between body chunks, per side. */
  timeoutMs: Record<Side, number>;
  /** Keep-alive connections per upstream origin. */
  connections: number;
  /** Largest answer body accepted from an upstream (502 above). */
  maxResponseBytes: number;
};

export type UpstreamRequest = {
  method: Dispatcher.HttpMethod;
  /** Path and query, exactly as the client sent them. */
  path: string;
  /** `[name, value, …]`, as undici takes them. */
  headers: string[];
  body?: Buffer;
};

/** Pools that no snapshot uses any more are closed after this long, once their calls are done. */
const RETIRE_AFTER_MS = 30_000;

/**
 * One undici keep-alive Pool per (side, origin), created on first use. When a new routing table
 * stops using an origin, its pool is retired: closed gracefully (calls in flight finish) a while
 * later, so a request that read the previous snapshot still has its pool.
 */
export class Upstreams {
  readonly #pools = new Map<string, Pool>();
  readonly #retiring = new Map<string, NodeJS.Timeout>();

  readonly #deadlines: Record<Side, Deadlines>;

  constructor(private readonly settings: UpstreamSettings) {
    this.#deadlines = {
      legacy: new Deadlines(settings.timeoutMs.legacy),
      service: new Deadlines(settings.timeoutMs.service),
    };
  }

  /** The pool of each base URL object (route snapshots are immutable), by side. */
  readonly #byUrl: Record<Side, WeakMap<URL, Pool>> = {
    legacy: new WeakMap(),
    service: new WeakMap(),
  };

  /** The pool for `side`'s upstream at `url`'s origin. */
  pool(side: Side, url: URL): Pool {
    const known = this.#byUrl[side].get(url);
    if (known !== undefined && !known.closed && !known.destroyed) return known;
    const pool = this.#poolOf(side, url);
    this.#byUrl[side].set(url, pool);
    return pool;
  }

  #poolOf(side: Side, url: URL): Pool {
    const key = `${side}|${url.origin}`;
    const retiring = this.#retiring.get(key);
    if (retiring) {
      clearTimeout(retiring);
      this.#retiring.delete(key);
    }
    let pool = this.#pools.get(key);
    if (!pool) {
      // a backstop behind the per-call deadline of call()
      const timeout = this.settings.timeoutMs[side] + 1_000;
      pool = new Pool(url.origin, {
        connections: this.settings.connections,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        connect: { timeout },
        headersTimeout: timeout,
        bodyTimeout: timeout,
        maxResponseSize: this.settings.maxResponseBytes,
      });
      this.#pools.set(key, pool);
    }
    return pool;
  }

  /**
   * Sends one request; `call` gets the whole answer within the side's deadline, or the error:
   * UpstreamTimeoutError past the deadline, else undici's (see classifyUpstreamError). A request
   * undici refuses to build fails the call before this returns (refusedBeforeSending).
   * Dispatched with a handler of our own: the answer is small in the common case and is wanted
   * whole (clean 502/504, shadow parity).
   */
  dispatch(side: Side, base: URL, request: UpstreamRequest, call: BufferingCall): void {
    const pool = this.pool(side, base);
    call.begin(this.#deadlines[side]);
    pool.dispatch(
      { method: request.method, path: request.path, headers: request.headers, body: request.body },
      call,
    );
  }

  /** Retires the pools of origins the table no longer names. */
  retainOnly(table: RouteTable): void {
    const used = new Set<string>();
    for (const route of table.routes) {
      used.add(`legacy|${route.legacyUrl.origin}`);
      used.add(`service|${route.serviceUrl.origin}`);
    }
    for (const [key, pool] of this.#pools) {
      if (used.has(key) || this.#retiring.has(key)) continue;
      const timer = setTimeout(() => {
        this.#retiring.delete(key);
        if (this.#pools.get(key) === pool) this.#pools.delete(key);
        void pool.close().catch(() => {});
      }, RETIRE_AFTER_MS);
      timer.unref();
      this.#retiring.set(key, timer);
    }
  }

  /** Closes every pool after the calls in flight finish. */
  async close(): Promise<void> {
    this.#deadlines.legacy.stop();
    this.#deadlines.service.stop();
    for (const timer of this.#retiring.values()) clearTimeout(timer);
    this.#retiring.clear();
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close().catch(() => {})));
  }
}

/** How an upstream call failed, for the client's status and the fallback decision. */
export type UpstreamFailure = {
  /** 502 (refused, reset, bad answer) or 504 (timeout). */
  status: 502 | 504;
  /** A short reason for the error body and logs. */
  reason: string;
  /** True when the request surely never reached the upstream (safe to send elsewhere). */
  notSent: boolean;
  /** True when the connection broke before any answer (safe to resend if idempotent). */
  broken: boolean;
};

/** Errors by which undici (or node:http) refuses a request's arguments before any I/O. */
const REFUSED_CODES = new Set([
  "UND_ERR_INVALID_ARG",
  "UND_ERR_NOT_SUPPORTED",
  "ERR_INVALID_ARG_TYPE",
  "ERR_INVALID_ARG_VALUE",
  "ERR_INVALID_CHAR",
  "ERR_INVALID_HTTP_TOKEN",
]);

/**
 * True when the HTTP client refused to send the request at all (a header or method it cannot
 * express): nothing reached the upstream, so it is no upstream fault.
 */
export function refusedBeforeSending(error: unknown): boolean {
  return REFUSED_CODES.has((error as { code?: string } | null)?.code ?? "");
}

const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** Reads undici's (and the system's) error codes. */
export function classifyUpstreamError(error: unknown): UpstreamFailure {
  const code = (error as { code?: string } | null)?.code ?? "";
  // undici wraps a system error of a fresh connection in a cause (e.g. ECONNREFUSED)
  const cause = (error as { cause?: { code?: string } } | null)?.cause?.code ?? "";
  const any = (codes: ReadonlySet<string>) => codes.has(code) || codes.has(cause);
  if (code === "UND_ERR_CONNECT_TIMEOUT") {
    return { status: 504, reason: "connect timeout", notSent: true, broken: true };
  }
  if (
    error instanceof UpstreamTimeoutError ||
    code === "UND_ERR_HEADERS_TIMEOUT" ||
    code === "UND_ERR_BODY_TIMEOUT"
  ) {
    return { status: 504, reason: "timeout", notSent: false, broken: false };
  }
  if (any(NOT_SENT_CODES)) {
    return { status: 502, reason: "connection refused", notSent: true, broken: true };
  }
  if (code === "UND_ERR_SOCKET" || code === "ECONNRESET" || code === "EPIPE") {
    return { status: 502, reason: "connection reset", notSent: false, broken: true };
  }
  if (code === "UND_ERR_RES_EXCEEDED_MAX_SIZE") {
    return { status: 502, reason: "answer too large", notSent: false, broken: false };
  }
  return { status: 502, reason: "bad upstream answer", notSent: false, broken: false };
}
