import type { IncomingHttpHeaders } from "node:http";
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from "fastify";
import type { Dispatcher } from "undici";
import type { ServiceVerificationKey } from "@/lib/auth/service-keys";
import { errorBody } from "@/lib/contracts/errors";
import { bearerHeader } from "@/lib/http/bearer-token";
import { HttpError } from "@/lib/http/http-error";
import { SHADOW_HEADER } from "@/lib/http/shadow-request";
import type { CircuitBreakerRegistry } from "@/lib/resilience/circuit-breakers";
import type { RollingStats } from "@/lib/resilience/rolling-stats";
import { shadowStatsKey, upstreamKey } from "@/lib/resilience/upstream-key";
import { forcedSide, type Plan, planFor, type Side, userKeyOf } from "./choose-side";
import {
  clientResponseHeaders,
  endToEndHeaders,
  type TraceContext,
  traceContextOf,
  traceparentFor,
  UnforwardableHeaderError,
  upstreamRequestHeaders,
} from "./forward-headers";
import type { GatewayMetrics } from "./gateway-metrics";
import { setLegacyEffects } from "./legacy-effects";
import { parseRequestTarget, type RequestTarget } from "./request-target";
import { type DomainRoute, matchRoute, type RouteTable } from "./route-table";
import { LEGACY_AUDIENCE, type ServiceTokens } from "./service-tokens";
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

/** Methods that change nothing, so a call cut off on one side may be repeated on the other. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** What the gateway forwards of one client request, to either side. */
export type Forward = {
  method: Dispatcher.HttpMethod;
  target: RequestTarget;
  headers: IncomingHttpHeaders;
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
};

/** `legacy-runtime` or the domain: the audience of the call's token and the name in errors. */
export function upstreamName(route: DomainRoute, side: Side): string {
  return side === "legacy" ? LEGACY_AUDIENCE : route.name;
}

function upstreamBase(route: DomainRoute, side: Side): URL {
  return side === "legacy" ? route.legacyUrl : route.serviceUrl;
}

/** The upstream URL of a call, without the query (it may carry personal data). */
function upstreamUrl(route: DomainRoute, side: Side, target: RequestTarget): string {
  const base = upstreamBase(route, side);
  return `${base.origin}${base.pathname.replace(/\/$/, "")}${target.pathname}`;
}

/**
 * The gateway's request path: check the target, find the domain, choose a side (state, canary
 * bucket, or an operator's force), call it through its breaker, fall back to legacy when the new
 * service is out of reach, answer, then hand shadowed requests to the mirror.
 */
export class GatewayProxy {
  constructor(private readonly deps: ProxyDeps) {}

  async handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const target = parseRequestTarget(request.raw.url);
    const route = matchRoute(this.deps.routes(), target.pathname);
    if (!route) throw new HttpError("not_found", `no domain is routed at ${target.pathname}`);
    if (route.writeFence && !SAFE_METHODS.has(request.method)) {
      // the gateway's own answer: no upstream was called, so no breaker or statistic moves
      this.deps.metrics.fenced.inc({ domain: route.name });
      return reply
        .code(503)
        .header("retry-after", "1")
        .send(
          errorBody(
            "unavailable",
            `writes to ${route.name} are paused for a moment while it rolls back to legacy; retry in a second`,
            { domain: route.name },
          ),
        );
    }
    const userKey = userKeyOf(request.headers, request.ip);
    // a header no upstream may get is refused here, before a token check or any upstream call
    endToEndHeaders(request.headers);
    const forced = await forcedSide(request.headers, this.deps.operatorKey);
    const plan: Plan = forced
      ? { side: forced, mirror: false, forced: true }
      : planFor(route, () => userKey);
    const forward: Forward = {
      method: request.method as Dispatcher.HttpMethod,
      target,
      headers: request.headers,
      body: Buffer.isBuffer(request.body) ? request.body : undefined,
      clientIp: request.ip,
      protocol: request.protocol,
      trace: traceContextOf(request.headers.traceparent),
    };

    let result = await this.callSide(route, plan.side, forward);
    const fallback =
      plan.side === "service" && !plan.forced && this.#fallbackReason(result, forward.method);
    if (fallback) {
      this.deps.metrics.fallbacks.inc({ domain: route.name, reason: fallback });
      result = await this.callSide(route, "legacy", forward);
    }
    if (result.kind !== "answer") return this.#sendFailure(reply, route, result, target);

    const { answer } = result;
    const headers = clientResponseHeaders(answer.headers);
    if (forward.method !== "HEAD") delete headers["content-length"];
    reply
      .code(answer.status)
      .headers(headers)
      .header(UPSTREAM_HEADER, upstreamName(route, result.side));
    const shadow = this.deps.shadow;
    if (plan.mirror && shadow && result.side === "legacy") {
      // the copy leaves only once the client's answer is written: it can never delay it
      reply.raw.once("finish", () => shadow.offer({ route, forward, legacy: answer }));
    }
    return reply.send(answer.body);
  }

  /** Calls one side through its breaker, recording the call in the rolling statistics. */
  async callSide(route: DomainRoute, side: Side, forward: Forward): Promise<SideCall> {
    const token = await this.deps.tokens.tokenFor(upstreamName(route, side), route.name);
    let headers: Record<string, string | string[]>;
    try {
      headers = upstreamRequestHeaders(forward.headers, {
        clientIp: forward.clientIp,
        protocol: forward.protocol,
        host: forward.headers.host,
        authorization: bearerHeader(token),
        traceparent: traceparentFor(forward.trace),
      });
    } catch (error) {
      if (!(error instanceof UnforwardableHeaderError)) throw error;
      this.deps.metrics.refusals.inc({ domain: route.name, reason: "header" });
      return { kind: "refused", side, status: 400, message: error.message };
    }
    // set after the client's own x-keiko-* headers are dropped: only the gateway marks a copy
    if (forward.shadow) headers[SHADOW_HEADER] = "1";
    if (side === "service") setLegacyEffects(headers, this.deps.routes());
    const base = upstreamBase(route, side);
    const path = `${base.pathname.replace(/\/$/, "")}${forward.target.raw}`;
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
      { isFailure: (call) => call.sent && call.answer.status >= 500 },
    );
    const latencyMs = performance.now() - started;
    // a shadow copy has its own series: slo-guard judges only what clients were answered
    const key = forward.shadow ? shadowStatsKey(route.name) : upstreamKey(route.name, side);
    const labels = { domain: route.name, side };
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
        this.deps.metrics.upstreamDuration.observe(
          { ...labels, traffic, outcome: String(answer.status) },
          latencyMs / 1000,
        );
        return { kind: "answer", side, answer, latencyMs };
      }
      case "threw": {
        const failure = classifyUpstreamError(outcome.error);
        this.deps.stats.record(key, latencyMs, true);
        this.deps.metrics.upstreamDuration.observe(
          { ...labels, traffic, outcome: failure.reason },
          latencyMs / 1000,
        );
        return { kind: "failed", side, failure, latencyMs };
      }
      case "rejected":
        // A short-circuited call is an error of that upstream (Hystrix counts it so): slo-guard
        // must see an outage the breaker hides from the clients.
        this.deps.stats.record(key, null, true);
        this.deps.metrics.rejections.inc(labels);
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

  #sendFailure(
    reply: FastifyReply,
    route: DomainRoute,
    result: Exclude<SideCall, { kind: "answer" }>,
    target: RequestTarget,
  ): FastifyReply {
    const upstream = upstreamName(route, result.side);
    if (result.kind === "refused") {
      const code = result.status === 400 ? "bad_request" : "internal";
      return reply.code(result.status).send(errorBody(code, result.message));
    }
    const details = { upstream, url: upstreamUrl(route, result.side, target) };
    if (result.kind === "rejected") {
      return reply.code(503).send(
        errorBody("unavailable", `the circuit breaker of ${upstream} is ${result.state}`, {
          ...details,
          breaker: result.state,
        }),
      );
    }
    const { failure } = result;
    const code = failure.status === 504 ? "gateway_timeout" : "bad_gateway";
    return reply
      .code(failure.status)
      .send(errorBody(code, `${upstream} failed: ${failure.reason}`, details));
  }
}
