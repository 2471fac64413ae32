import type { IncomingMessage, ServerResponse } from "node:http";
import type { FastifyBaseLogger } from "fastify";
import type { Dispatcher } from "undici";
import type { ServiceVerificationKey } from "@/lib/auth/service-keys";
import { errorBody } from "@/lib/contracts/errors";
import { LEGACY_EFFECTS_HEADER } from "@/lib/data-sync/placement";
import { bearerHeader } from "@/lib/http/bearer-token";
import { HttpError } from "@/lib/http/http-error";
import { SHADOW_HEADER } from "@/lib/http/shadow-request";
import type { BucketHistogram, HistogramSeries } from "@/lib/observability/bucket-histogram";
import {
  type CircuitBreakerRegistry,
  REJECTED,
  type UpstreamBreaker,
} from "@/lib/resilience/circuit-breakers";
import type { RollingStats } from "@/lib/resilience/rolling-stats";
import { shadowStatsKey, upstreamKey } from "@/lib/resilience/upstream-key";
import { activeTraceparent } from "./active-trace";
import { forcedSide, type Plan, planFor, type Side, userKeyOf } from "./choose-side";
import {
  type ClientHeaders,
  clientResponseHeaderList,
  readClientHeaders,
  type TraceContext,
  traceContextOf,
  traceparentFor,
  upstreamHeaders,
} from "./forward-headers";
import type { GatewayMetrics } from "./gateway-metrics";
import { legacyEffectsOf } from "./legacy-effects";
import { parseRequestTarget, type RequestTarget } from "./request-target";
import { type DomainRoute, matchRoute, type RouteTable } from "./route-table";
import { LEGACY_AUDIENCE, type ServiceTokens } from "./service-tokens";
import { UpstreamCalls } from "./upstream-metrics";
import {
  BufferingCall,
  classifyUpstreamError,
  refusedBeforeSending,
  type UpstreamAnswer,
  type UpstreamFailure,
  type UpstreamRequest,
  type Upstreams,
} from "./upstreams";

/** Response header naming the upstream that answered (`legacy-runtime` or the domain). */
export const UPSTREAM_HEADER = "x-keiko-upstream";

/** The gateway's answer when undici refuses a request it built: its own fault, told plainly. */
const UNSENDABLE_MESSAGE = "the gateway could not forward this request; it reached no upstream";

const JSON_TYPE = "application/json; charset=utf-8";
/** What Fastify answered a Buffer without a type with; kept for clients that relied on it. */
const OCTET_STREAM = "application/octet-stream";
const RETRY_AFTER = ["retry-after", "1"] as const;

/** Methods that change nothing, so a call cut off on one side may be repeated on the other. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** What the gateway forwards of one client request, to either side. */
export type Forward = {
  method: Dispatcher.HttpMethod;
  target: RequestTarget;
  /** The client's headers as read once (readClientHeaders): what either side gets of them. */
  headers: ClientHeaders;
  body: Buffer | undefined;
  clientIp: string;
  protocol: "http" | "https";
  /** The caller's trace, or a new one; every upstream call is a new span of it. */
  trace: TraceContext;
  /** Marks the copy sent to the new service in shadow. */
  shadow?: boolean;
};

/**
 * One call to one side: an answer (any status), a refusal by its breaker, a failure of the
 * upstream, or a request the gateway itself could not send (nothing sent, nothing counted).
 */
export type SideCall =
  | { kind: "answer"; side: Side; answer: UpstreamAnswer; latencyMs: number }
  | { kind: "rejected"; side: Side; state: "open" | "half-open" }
  | { kind: "failed"; side: Side; failure: UpstreamFailure; latencyMs: number }
  | { kind: "refused"; side: Side; status: 400 | 500; message: string };

/** Receives the result of one side call (called once, possibly before sendSide returns). */
export interface SideCallSink {
  sideCallDone(call: SideCall): void;
}

/** Receives the legacy answer of a shadowed request once the client has it. */
export interface ShadowSink {
  /** Whether this request of `route` gets a copy (its shadow percent, a free slot); counts a no. */
  admits(route: DomainRoute): boolean;
  offer(job: { route: DomainRoute; forward: Forward; legacy: UpstreamAnswer }): void;
}

export type ProxyDeps = {
  routes: () => RouteTable;
  upstreams: Upstreams;
  tokens: ServiceTokens;
  breakers: CircuitBreakerRegistry;
  stats: RollingStats;
  metrics: GatewayMetrics;
  /** Verifies operator tokens of `x-keiko-force-side`. */
  operatorKey: ServiceVerificationKey;
  shadow?: ShadowSink;
  logger?: FastifyBaseLogger;
  /** Largest request body (413 above). */
  bodyLimitBytes: number;
  /** `http_server_request_duration_seconds`, recorded for the proxied path too. */
  requestDuration?: BucketHistogram<"route" | "method" | "status">;
};

/** `legacy-runtime` or the domain: the audience of the call's token and the name in errors. */
export function upstreamName(route: DomainRoute, side: Side): string {
  return side === "legacy" ? LEGACY_AUDIENCE : route.name;
}

function upstreamBase(route: DomainRoute, side: Side): URL {
  return side === "legacy" ? route.legacyUrl : route.serviceUrl;
}

// Route snapshots are immutable: a base URL's path without its trailing slash is computed once.
const basePaths = new WeakMap<URL, string>();

function basePath(base: URL): string {
  let path = basePaths.get(base);
  if (path === undefined) {
    path = base.pathname.replace(/\/$/, "");
    basePaths.set(base, path);
  }
  return path;
}

/** The upstream URL of a call, without the query (it may carry personal data). */
function upstreamUrl(route: DomainRoute, side: Side, target: RequestTarget): string {
  const base = upstreamBase(route, side);
  return `${base.origin}${basePath(base)}${target.pathname}`;
}

/**
 * The gateway's request path, served on node:http without Fastify (app.ts hands it every
 * request but the gateway's own endpoints): check the target, find the domain, choose a side
 * (state, canary bucket, or an operator's force), call it through its breaker, fall back to
 * legacy when the new service is out of reach, answer, then hand shadowed requests to the mirror.
 *
 * The common request (no body, no force, a signed token at hand) runs without a promise: the
 * checks are synchronous, the breaker is asked and told synchronously, and undici calls the
 * side call's handler, which answers the client (decision 0023). A body, an operator's force or
 * a token to sign take the same path after an await.
 */
export class GatewayProxy {
  readonly #answers: RequestDurations;
  readonly #calls: UpstreamCalls;
  /** The two breakers of each domain, looked up once. */
  readonly #breakers = new Map<string, Record<Side, UpstreamBreaker>>();

  constructor(private readonly deps: ProxyDeps) {
    this.#answers = new RequestDurations(deps.requestDuration);
    this.#calls = new UpstreamCalls(deps.metrics.upstreamDuration);
  }

  /** Serves one proxied request; never throws (errors become the JSON error body). */
  serve(request: IncomingMessage, response: ServerResponse): void {
    const started = performance.now();
    try {
      const exchange = this.#accept(request, response, started);
      if (exchange === null) return;
      const { forward, plan } = exchange;
      const body = hasBody(forward.method, forward.headers);
      if (body || forward.headers.forceSide !== undefined) {
        this.#prepare(exchange, body)
          .then(() => this.sendSide(exchange.route, exchange.plan.side, forward, exchange))
          .catch((error: unknown) => this.answerError(request, response, error, started));
        return;
      }
      this.sendSide(exchange.route, plan.side, forward, exchange);
    } catch (error) {
      this.answerError(request, response, error, started);
    }
  }

  /** The synchronous checks: a ClientExchange to send, or null when already answered. */
  #accept(
    request: IncomingMessage,
    response: ServerResponse,
    started: number,
  ): ClientExchange | null {
    const method = request.method as Dispatcher.HttpMethod;
    const headers = readClientHeaders(request.rawHeaders);
    const bodyLimit = this.deps.bodyLimitBytes;
    if (headers.contentLength !== undefined && Number(headers.contentLength) > bodyLimit) {
      // refused before reading a byte of it: the connection ends with this answer
      this.#sendError(request, response, started, tooLarge(bodyLimit), true);
      return null;
    }
    const target = parseRequestTarget(request.url);
    const table = this.deps.routes();
    const route = matchRoute(table, target.pathname);
    if (!route) {
      const body = errorBody("not_found", `no domain is routed at ${target.pathname}`);
      this.#sendJson(request, response, started, 404, body);
      return null;
    }
    if (route.writeFence && !SAFE_METHODS.has(method)) {
      // the gateway's own answer: no upstream was called, so no breaker or statistic moves
      this.deps.metrics.fenced.inc({ domain: route.name });
      const body = errorBody(
        "unavailable",
        `writes to ${route.name} are paused for a moment while it rolls back to legacy; retry in a second`,
        { domain: route.name },
      );
      this.#sendJson(request, response, started, 503, body, RETRY_AFTER);
      return null;
    }
    // a header no upstream may get is refused here, before a token check or any upstream call
    if (headers.problem) throw headers.problem;
    const clientIp = request.socket.remoteAddress ?? "";
    // a bad x-keiko-user is refused in every state, not only where canary reads it
    const userKey = headers.user === undefined ? undefined : userKeyOf(headers.user, clientIp);
    const plan = planFor(route, () => userKey ?? userKeyOf(undefined, clientIp));
    const forward: Forward = {
      method,
      target,
      headers,
      body: undefined,
      clientIp,
      protocol: (request.socket as { encrypted?: boolean }).encrypted ? "https" : "http",
      trace: traceContextOf(headers.traceparent),
    };
    return new ClientExchange(this, request, response, started, route, plan, forward);
  }

  /** The awaited part of a request that has one: the operator's force, the body. */
  async #prepare(exchange: ClientExchange, body: boolean): Promise<void> {
    const { forward } = exchange;
    const forced = await forcedSide(
      forward.headers.forceSide,
      forward.headers.operatorToken,
      this.deps.operatorKey,
    );
    if (forced) exchange.plan = { side: forced, mirror: false, forced: true };
    if (body) forward.body = await readBody(exchange.request, this.deps.bodyLimitBytes);
  }

  /** The client's answer once its side call is over, or the fallback to legacy first. */
  finish(exchange: ClientExchange, result: SideCall): void {
    const { request, response, started, route, plan, forward } = exchange;
    const { method } = forward;
    if (!exchange.fellBack && plan.side === "service" && !plan.forced) {
      const fallback = fallbackReason(result, method);
      if (fallback) {
        exchange.fellBack = true;
        this.deps.metrics.fallbacks.inc({ domain: route.name, reason: fallback });
        this.sendSide(route, "legacy", forward, exchange);
        return;
      }
    }
    if (result.kind !== "answer") {
      const [status, failure] = failureAnswer(route, result, forward.target);
      this.#sendJson(request, response, started, status, failure);
      return;
    }
    const { answer } = result;
    const list = clientResponseHeaderList(answer.rawHeaders, method === "HEAD");
    list.push(UPSTREAM_HEADER, upstreamName(route, result.side));
    const shadow = this.deps.shadow;
    if (plan.mirror && shadow && result.side === "legacy" && shadow.admits(route)) {
      // the copy leaves only once the client's answer is written: it can never delay it
      response.once("finish", () => shadow.offer({ route, forward, legacy: answer }));
    }
    this.#answers.observe(method, answer.status, started);
    if (method === "HEAD" || answer.status === 204 || answer.status === 304) {
      response.writeHead(answer.status, list);
      response.end();
      return;
    }
    if (!hasName(list, "content-type")) list.push("content-type", OCTET_STREAM);
    list.push("content-length", String(answer.body.length));
    response.writeHead(answer.status, list);
    response.end(answer.body);
  }

  #sendJson(
    request: IncomingMessage,
    response: ServerResponse,
    started: number,
    status: number,
    body: unknown,
    extra?: readonly string[],
    close = false,
  ): void {
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const text = JSON.stringify(body);
    const list = ["content-type", JSON_TYPE, "content-length", String(Buffer.byteLength(text))];
    if (extra) list.push(...extra);
    if (close) list.push("connection", "close");
    this.#answers.observe(request.method ?? "GET", status, started);
    response.writeHead(status, list);
    response.end(text);
  }

  #sendError(
    request: IncomingMessage,
    response: ServerResponse,
    started: number,
    error: HttpError,
    close = false,
  ): void {
    const body = errorBody(error.code, error.message, error.details);
    this.#sendJson(request, response, started, error.status, body, undefined, close);
  }

  /** Answers an error thrown while serving: its own 4xx, or a logged 500 without details. */
  answerError(
    request: IncomingMessage,
    response: ServerResponse,
    error: unknown,
    started: number,
  ): void {
    if (error instanceof HttpError) {
      // a body over the limit that is not being drained ends the connection with the answer
      const close = error.status === 413 && !(error instanceof DrainedBodyError);
      this.#sendError(request, response, started, error, close);
      return;
    }
    this.deps.logger?.error({ err: error, url: request.url }, "request failed");
    this.#sendJson(request, response, started, 500, errorBody("internal", "internal error"));
  }

  /** Calls one side through its breaker, recording the call in the rolling statistics. */
  callSide(route: DomainRoute, side: Side, forward: Forward): Promise<SideCall> {
    return new Promise((resolve) => this.sendSide(route, side, forward, { sideCallDone: resolve }));
  }

  /**
   * callSide() without a promise: `sink` gets the result once, from undici's callback or, for a
   * call refused at once (breaker, unsendable request), before this returns. Never throws.
   */
  sendSide(route: DomainRoute, side: Side, forward: Forward, sink: SideCallSink): void {
    const audience = upstreamName(route, side);
    const bearer = this.deps.tokens.cachedBearer(audience, route.name);
    if (bearer !== undefined) {
      this.#dispatch(route, side, forward, bearer, sink);
      return;
    }
    this.deps.tokens
      .tokenFor(audience, route.name)
      .then((token) => bearerHeader(token))
      .then(
        (bearer) => this.#dispatch(route, side, forward, bearer, sink),
        (error: unknown) => {
          this.deps.logger?.error({ err: error, domain: route.name, side }, "cannot sign a token");
          sink.sideCallDone(unsendable(side));
        },
      )
      .catch((error: unknown) => this.reportBookingError(error, route, side));
  }

  #dispatch(
    route: DomainRoute,
    side: Side,
    forward: Forward,
    authorization: string,
    sink: SideCallSink,
  ): void {
    // built before the breaker is asked: nothing between admit() and undici may throw
    let request: UpstreamRequest;
    try {
      request = this.#upstreamRequest(route, side, forward, authorization);
    } catch (error) {
      // the gateway's own fault: a refused call (a 500), logged
      this.reportBookingError(error, route, side);
      sink.sideCallDone(unsendable(side));
      return;
    }
    const breaker = this.#breakerOf(route, side);
    const ticket = breaker.admit();
    if (ticket === REJECTED) {
      // A short-circuited call is an error of that upstream (Hystrix counts it so): slo-guard
      // must see an outage the breaker hides from the clients.
      const rejection = breaker.rejection();
      this.deps.stats.record(statsKey(route, side, forward), null, true);
      this.deps.metrics.rejections.inc({ domain: route.name, side });
      sink.sideCallDone({ kind: "rejected", side, state: rejection.state });
      return;
    }
    const call = new ProxiedCall(this, route, side, forward, breaker, ticket, sink);
    try {
      this.deps.upstreams.dispatch(side, upstreamBase(route, side), request, call);
    } catch (error) {
      // the gateway's own fault (no pool for it): reported once, the breaker's ticket returned
      call.abandon(error);
    }
  }

  /** What goes to `side`'s upstream: the client's request with the gateway's own headers. */
  #upstreamRequest(
    route: DomainRoute,
    side: Side,
    forward: Forward,
    authorization: string,
  ): UpstreamRequest {
    const headers = upstreamHeaders(forward.headers, {
      clientIp: forward.clientIp,
      protocol: forward.protocol,
      authorization,
      // the active OpenTelemetry span's context when there is one, else a span id of our own
      traceparent: activeTraceparent() ?? traceparentFor(forward.trace),
    });
    // set after the client's own x-keiko-* headers are dropped: only the gateway marks a copy
    if (forward.shadow) headers.push(SHADOW_HEADER, "1");
    if (side === "service") {
      const effects = legacyEffectsOf(this.deps.routes());
      if (effects !== "") headers.push(LEGACY_EFFECTS_HEADER, effects);
    }
    return {
      method: forward.method,
      path: `${basePath(upstreamBase(route, side))}${forward.target.raw}`,
      headers,
      body: forward.body,
    };
  }

  #breakerOf(route: DomainRoute, side: Side): UpstreamBreaker {
    let pair = this.#breakers.get(route.name);
    if (!pair) {
      pair = {
        legacy: this.deps.breakers.breaker(route.name, "legacy"),
        service: this.deps.breakers.breaker(route.name, "service"),
      };
      this.#breakers.set(route.name, pair);
    }
    return pair[side];
  }

  /** Logs what went wrong while booking a call (the client gets a plain 500). */
  reportBookingError(error: unknown, route: DomainRoute, side: Side): void {
    this.deps.logger?.error({ err: error, domain: route.name, side }, "booking a call failed");
  }

  /** Books a side call that got an answer (any status): breaker, statistics, metrics. */
  answered(call: ProxiedCall, answer: UpstreamAnswer): SideCall {
    const latencyMs = performance.now() - call.started;
    const failed = answer.status >= 500;
    call.breaker.settle(call.ticket, failed);
    this.deps.stats.record(statsKey(call.route, call.side, call.forward), latencyMs, failed);
    this.#calls.observe(
      call.route.name,
      call.side,
      trafficOf(call.forward),
      answer.status,
      latencyMs,
    );
    return { kind: "answer", side: call.side, answer, latencyMs };
  }

  /** Books a side call that failed, or that the HTTP client refused to send (nothing counted). */
  failedCall(call: ProxiedCall, error: unknown): SideCall {
    const { route, side } = call;
    if (refusedBeforeSending(error)) {
      // undici refused to send it: the gateway's fault, never the upstream's breaker or stats
      call.breaker.settle(call.ticket, null);
      this.deps.metrics.refusals.inc({ domain: route.name, reason: "client" });
      this.deps.logger?.error(
        { err: error, domain: route.name, side },
        "the HTTP client refused to send a request",
      );
      return unsendable(side);
    }
    const latencyMs = performance.now() - call.started;
    call.breaker.settle(call.ticket, true);
    const failure = classifyUpstreamError(error);
    this.deps.stats.record(statsKey(route, side, call.forward), latencyMs, true);
    this.#calls.observe(route.name, side, trafficOf(call.forward), failure.reason, latencyMs);
    return { kind: "failed", side, failure, latencyMs };
  }
}

/** A call the gateway could not send, by its own fault: answered 500, nothing counted. */
function unsendable(side: Side): SideCall {
  return { kind: "refused", side, status: 500, message: UNSENDABLE_MESSAGE };
}

/** Each domain's statistics keys, built once (six domains): no string is built per call. */
const statsKeys = new Map<string, Record<Side | "shadow", string>>();

/** A shadow copy has its own series: slo-guard judges only what clients were answered. */
function statsKey(route: DomainRoute, side: Side, forward: Forward): string {
  let keys = statsKeys.get(route.name);
  if (!keys) {
    keys = {
      legacy: upstreamKey(route.name, "legacy"),
      service: upstreamKey(route.name, "service"),
      shadow: shadowStatsKey(route.name),
    };
    statsKeys.set(route.name, keys);
  }
  return forward.shadow ? keys.shadow : keys[side];
}

function trafficOf(forward: Forward): "client" | "shadow" {
  return forward.shadow ? "shadow" : "client";
}

/** One client request in flight: what was decided for it, and where its side calls report. */
class ClientExchange implements SideCallSink {
  /** Set once legacy was asked after the new service: a request falls back at most once. */
  fellBack = false;

  constructor(
    private readonly proxy: GatewayProxy,
    readonly request: IncomingMessage,
    readonly response: ServerResponse,
    readonly started: number,
    readonly route: DomainRoute,
    public plan: Plan,
    readonly forward: Forward,
  ) {}

  sideCallDone(call: SideCall): void {
    try {
      this.proxy.finish(this, call);
    } catch (error) {
      // called from undici's callbacks: nothing may be thrown back into its parser
      this.proxy.answerError(this.request, this.response, error, this.started);
    }
  }
}

/** One call to one side: undici's handler, booked by the proxy, reported to its sink. */
class ProxiedCall extends BufferingCall {
  readonly started = performance.now();

  constructor(
    private readonly proxy: GatewayProxy,
    readonly route: DomainRoute,
    readonly side: Side,
    readonly forward: Forward,
    readonly breaker: UpstreamBreaker,
    readonly ticket: number,
    private readonly sink: SideCallSink,
  ) {
    super();
  }

  protected answered(answer: UpstreamAnswer): void {
    this.sink.sideCallDone(this.#booked(() => this.proxy.answered(this, answer)));
  }

  protected failed(error: unknown): void {
    this.sink.sideCallDone(this.#booked(() => this.proxy.failedCall(this, error)));
  }

  /** A dispatch that threw before undici took the call: nothing was sent, nothing counted. */
  abandon(error: unknown): void {
    this.breaker.settle(this.ticket, null);
    this.proxy.reportBookingError(error, this.route, this.side);
    this.sink.sideCallDone(unsendable(this.side));
  }

  /**
   * The booking's result; if booking throws (a metric, a listener), the sink still gets an
   * answer and nothing is thrown back into undici's parser.
   */
  #booked(book: () => SideCall): SideCall {
    try {
      return book();
    } catch (error) {
      this.breaker.settle(this.ticket, null);
      this.proxy.reportBookingError(error, this.route, this.side);
      return unsendable(this.side);
    }
  }
}

/** Why the new service's call may be answered by legacy instead, or null when it may not. */
function fallbackReason(result: SideCall, method: string): string | null {
  if (result.kind === "rejected") return `breaker_${result.state.replace("-", "_")}`;
  if (result.kind !== "failed") return null;
  if (result.failure.notSent) return "unreachable";
  // a cut-off connection may have run the request: only a safe method is sent again
  if (result.failure.broken && SAFE_METHODS.has(method)) return "connection_lost";
  return null;
}

/** The status and error body of a call that got no answer. */
function failureAnswer(
  route: DomainRoute,
  result: Exclude<SideCall, { kind: "answer" }>,
  target: RequestTarget,
): [number, ReturnType<typeof errorBody>] {
  const upstream = upstreamName(route, result.side);
  if (result.kind === "refused") {
    const code = result.status === 400 ? "bad_request" : "internal";
    return [result.status, errorBody(code, result.message)];
  }
  const details = { upstream, url: upstreamUrl(route, result.side, target) };
  if (result.kind === "rejected") {
    return [
      503,
      errorBody("unavailable", `the circuit breaker of ${upstream} is ${result.state}`, {
        ...details,
        breaker: result.state,
      }),
    ];
  }
  const { failure } = result;
  const code = failure.status === 504 ? "gateway_timeout" : "bad_gateway";
  return [failure.status, errorBody(code, `${upstream} failed: ${failure.reason}`, details)];
}

function tooLarge(limit: number): HttpError {
  return new HttpError("payload_too_large", `the request body is larger than ${limit} bytes`);
}

/** Whether a request carries a body to read (GET and HEAD bodies are not forwarded). */
function hasBody(method: string, headers: ClientHeaders): boolean {
  if (method === "GET" || method === "HEAD") return false;
  const length = headers.contentLength;
  return (length !== undefined && length !== "0") || headers.transferEncoding;
}

/** The whole request body, refused with a 413 past `limit` bytes (reading stops there). */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) {
        request.off("data", onData);
        chunks.length = 0;
        discardRest(request, limit);
        reject(new DrainedBodyError(limit));
        return;
      }
      chunks.push(chunk);
    };
    request.on("data", onData);
    request.once("end", () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length)),
    );
    request.once("error", reject);
  });
}

/** A body found over the limit while reading it (no length declared): its rest is drained. */
class DrainedBodyError extends HttpError {
  constructor(limit: number) {
    const { code, message } = tooLarge(limit);
    super(code, message);
  }
}

/** How much more of a refused body is read and dropped before the cut: 4 × the limit, ≥ 16 MiB. */
const LINGER_FACTOR = 4;
const LINGER_MIN_BYTES = 16 * 1024 * 1024;
const LINGER_MS = 2_000;

/**
 * Reads and drops the rest of a body refused with 413 while the answer goes out, so a client
 * still writing it reads the answer instead of a reset (a close with unread data sends RST,
 * which can wipe the answer from the client's buffer; nginx lingers the same way). The
 * connection stays usable once the body ends; past the linger allowance or LINGER_MS it is cut.
 */
function discardRest(request: IncomingMessage, limit: number): void {
  const allowance = Math.max(LINGER_FACTOR * limit, LINGER_MIN_BYTES);
  let dropped = 0;
  const cut = () => request.socket.destroy();
  const timer = setTimeout(cut, LINGER_MS);
  timer.unref();
  request.on("data", (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > allowance) {
      clearTimeout(timer);
      cut();
    }
  });
  request.once("end", () => clearTimeout(timer));
  request.once("close", () => clearTimeout(timer));
  request.resume();
}

function hasName(list: readonly string[], name: string): boolean {
  for (let i = 0; i < list.length; i += 2) if (list[i] === name) return true;
  return false;
}

/**
 * `http_server_request_duration_seconds` of the proxied path (route `/*`), as Fastify's hook
 * records it for the gateway's own endpoints; one labelled child per method and status.
 */
class RequestDurations {
  /** By method, then by status code. */
  readonly #children = new Map<string, HistogramSeries[]>();

  constructor(private readonly histogram?: BucketHistogram<"route" | "method" | "status">) {}

  observe(method: string, status: number, started: number): void {
    if (!this.histogram) return;
    let byStatus = this.#children.get(method);
    if (!byStatus) {
      byStatus = [];
      this.#children.set(method, byStatus);
    }
    let child = byStatus[status];
    if (!child) {
      child = this.histogram.series({ route: "/*", method, status: String(status) });
      byStatus[status] = child;
    }
    child.observe((performance.now() - started) / 1000);
  }
}
