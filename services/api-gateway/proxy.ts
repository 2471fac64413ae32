import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { FastifyBaseLogger } from "fastify";
import type { Histogram } from "prom-client";
import type { Dispatcher } from "undici";
import type { ServiceVerificationKey } from "@/lib/auth/service-keys";
import { errorBody } from "@/lib/contracts/errors";
import { bearerHeader } from "@/lib/http/bearer-token";
import { HttpError } from "@/lib/http/http-error";
import { SHADOW_HEADER } from "@/lib/http/shadow-request";
import type { CircuitBreakerRegistry } from "@/lib/resilience/circuit-breakers";
import type { RollingStats } from "@/lib/resilience/rolling-stats";
import { shadowStatsKey, upstreamKey } from "@/lib/resilience/upstream-key";
import { injectActiveTrace } from "./active-trace";
import {
  FORCE_SIDE_HEADER,
  forcedSide,
  type Plan,
  planFor,
  type Side,
  userKeyOf,
} from "./choose-side";
import {
  addGatewayHeaders,
  clientResponseHeaderList,
  endToEndHeaders,
  type TraceContext,
  traceContextOf,
  traceparentFor,
  UnforwardableHeaderError,
} from "./forward-headers";
import type { GatewayMetrics } from "./gateway-metrics";
import { setLegacyEffects } from "./legacy-effects";
import { parseRequestTarget, type RequestTarget } from "./request-target";
import { type DomainRoute, matchRoute, type RouteTable } from "./route-table";
import { LEGACY_AUDIENCE, type ServiceTokens } from "./service-tokens";
import { UpstreamCalls } from "./upstream-metrics";
import {
  classifyUpstreamError,
  refusedBeforeSending,
  type UpstreamAnswer,
  type UpstreamFailure,
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
  headers: IncomingHttpHeaders;
  /** `headers` already checked by endToEndHeaders (done once per client request). */
  checked?: Record<string, string | string[]>;
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

/** Receives the legacy answer of a shadowed request once the client has it. */
export interface ShadowSink {
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
  requestDuration?: Histogram<"route" | "method" | "status">;
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

type Sent = { sent: true; answer: UpstreamAnswer } | { sent: false; error: unknown };

function isFailedCall(call: Sent): boolean {
  return call.sent && call.answer.status >= 500;
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
 */
export class GatewayProxy {
  readonly #answers: RequestDurations;
  readonly #calls: UpstreamCalls;

  constructor(private readonly deps: ProxyDeps) {
    this.#answers = new RequestDurations(deps.requestDuration);
    this.#calls = new UpstreamCalls(deps.metrics.upstreamDuration);
  }

  /** Serves one proxied request; never throws (errors become the JSON error body). */
  serve(request: IncomingMessage, response: ServerResponse): void {
    const started = performance.now();
    this.#serve(request, response, started).catch((error: unknown) =>
      this.#answerError(request, response, error, started),
    );
  }

  async #serve(request: IncomingMessage, response: ServerResponse, started: number) {
    const method = request.method as Dispatcher.HttpMethod;
    const headers = request.headers;
    const contentLength = headers["content-length"];
    const bodyLimit = this.deps.bodyLimitBytes;
    if (contentLength !== undefined && Number(contentLength) > bodyLimit) {
      // refused before reading a byte of it: the connection ends with this answer
      return this.#sendError(request, response, started, tooLarge(bodyLimit), true);
    }
    const target = parseRequestTarget(request.url);
    const table = this.deps.routes();
    const route = matchRoute(table, target.pathname);
    if (!route) {
      const body = errorBody("not_found", `no domain is routed at ${target.pathname}`);
      return this.#sendJson(request, response, started, 404, body);
    }
    if (route.writeFence && !SAFE_METHODS.has(method)) {
      // the gateway's own answer: no upstream was called, so no breaker or statistic moves
      this.deps.metrics.fenced.inc({ domain: route.name });
      const body = errorBody(
        "unavailable",
        `writes to ${route.name} are paused for a moment while it rolls back to legacy; retry in a second`,
        { domain: route.name },
      );
      return this.#sendJson(request, response, started, 503, body, RETRY_AFTER);
    }
    const clientIp = request.socket.remoteAddress ?? "";
    const userKey = userKeyOf(headers, clientIp);
    // a header no upstream may get is refused here, before a token check or any upstream call
    const checked = endToEndHeaders(headers, true);
    const forced =
      headers[FORCE_SIDE_HEADER] === undefined
        ? undefined
        : await forcedSide(headers, this.deps.operatorKey);
    const plan: Plan = forced
      ? { side: forced, mirror: false, forced: true }
      : planFor(route, () => userKey);
    const body = hasBody(method, headers) ? await readBody(request, bodyLimit) : undefined;
    const forward: Forward = {
      method,
      target,
      headers,
      checked,
      body,
      clientIp,
      protocol: (request.socket as { encrypted?: boolean }).encrypted ? "https" : "http",
      trace: traceContextOf(headers.traceparent),
    };

    let result = await this.callSide(route, plan.side, forward);
    const fallback =
      plan.side === "service" && !plan.forced && this.#fallbackReason(result, method);
    if (fallback) {
      this.deps.metrics.fallbacks.inc({ domain: route.name, reason: fallback });
      result = await this.callSide(route, "legacy", forward);
    }
    if (result.kind !== "answer") {
      const [status, failure] = failureAnswer(route, result, target);
      return this.#sendJson(request, response, started, status, failure);
    }

    const { answer } = result;
    const list = clientResponseHeaderList(answer.rawHeaders, method === "HEAD");
    list.push(UPSTREAM_HEADER, upstreamName(route, result.side));
    const shadow = this.deps.shadow;
    if (plan.mirror && shadow && result.side === "legacy") {
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

  #answerError(
    request: IncomingMessage,
    response: ServerResponse,
    error: unknown,
    started: number,
  ): void {
    if (error instanceof HttpError) {
      // a body over the limit is not read to its end: the connection ends with the answer
      this.#sendError(request, response, started, error, error.status === 413);
      return;
    }
    this.deps.logger?.error({ err: error, url: request.url }, "request failed");
    this.#sendJson(request, response, started, 500, errorBody("internal", "internal error"));
  }

  /** Calls one side through its breaker, recording the call in the rolling statistics. */
  async callSide(route: DomainRoute, side: Side, forward: Forward): Promise<SideCall> {
    const audience = upstreamName(route, side);
    const authorization =
      this.deps.tokens.cachedBearer(audience, route.name) ??
      bearerHeader(await this.deps.tokens.tokenFor(audience, route.name));
    let headers: Record<string, string | string[]>;
    try {
      // a copy: the gateway's headers differ per call (span id, token, shadow mark)
      headers = forward.checked ? { ...forward.checked } : endToEndHeaders(forward.headers);
    } catch (error) {
      if (!(error instanceof UnforwardableHeaderError)) throw error;
      this.deps.metrics.refusals.inc({ domain: route.name, reason: "header" });
      return { kind: "refused", side, status: 400, message: error.message };
    }
    addGatewayHeaders(headers, forward.headers, {
      clientIp: forward.clientIp,
      protocol: forward.protocol,
      host: forward.headers.host,
      authorization,
      traceparent: "",
    });
    // the active OpenTelemetry span's context when there is one, else the gateway's own span id
    if (!injectActiveTrace(headers)) headers.traceparent = traceparentFor(forward.trace);
    // set after the client's own x-keiko-* headers are dropped: only the gateway marks a copy
    if (forward.shadow) headers[SHADOW_HEADER] = "1";
    if (side === "service") setLegacyEffects(headers, this.deps.routes());
    const base = upstreamBase(route, side);
    const path = `${basePath(base)}${forward.target.raw}`;
    const started = performance.now();
    const outcome = await this.deps.breakers.execute(
      route.name,
      side,
      async () => {
        try {
          const answer = await this.deps.upstreams.call(side, base, {
            method: forward.method,
            path,
            headers,
            body: forward.body,
          });
          return { sent: true, answer } as const;
        } catch (error) {
          // undici refused to send it: the gateway's fault, so it is resolved (cockatiel counts
          // every throw) and never opens the upstream's breaker
          if (refusedBeforeSending(error)) return { sent: false, error } as const;
          throw error;
        }
      },
      { isFailure: isFailedCall },
    );
    const latencyMs = performance.now() - started;
    // a shadow copy has its own series: slo-guard judges only what clients were answered
    const key = forward.shadow ? shadowStatsKey(route.name) : upstreamKey(route.name, side);
    const traffic = forward.shadow ? "shadow" : "client";
    switch (outcome.kind) {
      case "completed": {
        if (!outcome.value.sent) {
          this.deps.metrics.refusals.inc({ domain: route.name, reason: "client" });
          this.deps.logger?.error(
            { err: outcome.value.error, domain: route.name, side },
            "the HTTP client refused to send a request",
          );
          return { kind: "refused", side, status: 500, message: UNSENDABLE_MESSAGE };
        }
        const { answer } = outcome.value;
        this.deps.stats.record(key, latencyMs, outcome.failed);
        this.#calls.observe(route.name, side, traffic, answer.status, latencyMs);
        return { kind: "answer", side, answer, latencyMs };
      }
      case "threw": {
        const failure = classifyUpstreamError(outcome.error);
        this.deps.stats.record(key, latencyMs, true);
        this.#calls.observe(route.name, side, traffic, failure.reason, latencyMs);
        return { kind: "failed", side, failure, latencyMs };
      }
      case "rejected":
        // A short-circuited call is an error of that upstream (Hystrix counts it so): slo-guard
        // must see an outage the breaker hides from the clients.
        this.deps.stats.record(key, null, true);
        this.deps.metrics.rejections.inc({ domain: route.name, side });
        return { kind: "rejected", side, state: outcome.state };
    }
  }

  /** Why the new service's call may be answered by legacy instead, or null when it may not. */
  #fallbackReason(result: SideCall, method: string): string | null {
    if (result.kind === "rejected") return `breaker_${result.state.replace("-", "_")}`;
    if (result.kind !== "failed") return null;
    if (result.failure.notSent) return "unreachable";
    // a cut-off connection may have run the request: only a safe method is sent again
    if (result.failure.broken && SAFE_METHODS.has(method)) return "connection_lost";
    return null;
  }
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
function hasBody(method: string, headers: IncomingHttpHeaders): boolean {
  if (method === "GET" || method === "HEAD") return false;
  const length = headers["content-length"];
  return (length !== undefined && length !== "0") || headers["transfer-encoding"] !== undefined;
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
        request.pause();
        reject(tooLarge(limit));
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

function hasName(list: readonly string[], name: string): boolean {
  for (let i = 0; i < list.length; i += 2) if (list[i] === name) return true;
  return false;
}

/**
 * `http_server_request_duration_seconds` of the proxied path (route `/*`), as Fastify's hook
 * records it for the gateway's own endpoints; one labelled child per method and status.
 */
class RequestDurations {
  readonly #children = new Map<string, { observe(value: number): void }>();

  constructor(private readonly histogram?: Histogram<"route" | "method" | "status">) {}

  observe(method: string, status: number, started: number): void {
    if (!this.histogram) return;
    const key = `${method} ${status}`;
    let child = this.#children.get(key);
    if (!child) {
      child = this.histogram.labels({ route: "/*", method, status: String(status) });
      this.#children.set(key, child);
    }
    child.observe((performance.now() - started) / 1000);
  }
}
