import type { FastifyBaseLogger } from "fastify";
import type { Redis } from "ioredis";
import { errorBody } from "@/lib/contracts/errors";
import { compareResponses, type ParityResponse } from "@/lib/parity/compare-responses";
import { recordParity } from "@/lib/parity/parity-store";
import { findRouteContract } from "@/lib/parity/route-contract-lookup";
import type { GatewayMetrics } from "./gateway-metrics";
import type { Forward, ShadowSink, SideCall } from "./proxy";
import type { DomainRoute } from "./route-table";
import type { UpstreamAnswer } from "./upstreams";

export type ShadowMirrorOptions = {
  /** Copies in flight at once; one offered beyond it is dropped, never queued. */
  concurrency: number;
  /** A pair with a body larger than this is counted but not compared. */
  maxBodyBytes: number;
  /** Sends the copy to the domain's new service (through its breaker, recorded in its stats). */
  callService: (route: DomainRoute, forward: Forward) => Promise<SideCall>;
  redis: Redis;
  /** Redis key prefix (KEIKO_KEY_PREFIX). */
  prefix: string;
  metrics: GatewayMetrics;
  logger: FastifyBaseLogger;
};

type Job = { route: DomainRoute; forward: Forward; legacy: UpstreamAnswer };

/** JSON when the body is JSON, else its text; undefined for an empty body. */
function parseBody(answer: UpstreamAnswer): unknown {
  if (answer.body.length === 0) return undefined;
  const text = answer.body.toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Shadow traffic: after legacy has answered the client, a copy of the request goes to the new
 * service, and the two answers are compared (status and JSON bodies without the route's
 * volatile fields, lib/parity) and recorded in Redis: per-domain counts and mismatch samples.
 * At most `concurrency` copies are in flight; the client never waits for one.
 */
export class ShadowMirror implements ShadowSink {
  #inFlight = 0;
  readonly #running = new Set<Promise<void>>();

  constructor(private readonly options: ShadowMirrorOptions) {}

  /** Copies in flight now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  offer(job: Job): void {
    const domain = job.route.name;
    if (this.#inFlight >= this.options.concurrency) {
      this.options.metrics.mirrors.inc({ domain, result: "dropped" });
      return;
    }
    this.#inFlight += 1;
    const run = this.#mirror(job)
      .catch((error) => {
        this.options.metrics.mirrors.inc({ domain, result: "failed" });
        this.options.logger.warn({ err: error, domain }, "shadow comparison failed");
      })
      .finally(() => {
        this.#inFlight -= 1;
        this.#running.delete(run);
      });
    this.#running.add(run);
  }

  /** Waits for the copies in flight (on shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#running]);
  }

  async #mirror({ route, forward, legacy }: Job): Promise<void> {
    const { metrics } = this.options;
    const domain = route.name;
    const call = await this.options.callService(route, { ...forward, shadow: true });
    if (call.kind === "rejected" || call.kind === "refused") {
      // the service's breaker is open, or the copy could not be sent: there is nothing to compare
      metrics.mirrors.inc({ domain, result: "not_compared" });
      return;
    }
    const service: ParityResponse =
      call.kind === "answer"
        ? { status: call.answer.status, body: undefined }
        : {
            status: call.failure.status,
            body: errorBody(
              call.failure.status === 504 ? "gateway_timeout" : "bad_gateway",
              call.failure.reason,
            ),
          };
    if (call.kind === "answer") {
      if (call.answer.body.length > this.options.maxBodyBytes) {
        metrics.mirrors.inc({ domain, result: "not_compared" });
        return;
      }
      service.body = parseBody(call.answer);
    }
    if (legacy.body.length > this.options.maxBodyBytes) {
      metrics.mirrors.inc({ domain, result: "not_compared" });
      return;
    }
    const legacyResponse: ParityResponse = { status: legacy.status, body: parseBody(legacy) };
    const contract = findRouteContract(forward.method, forward.target.pathname);
    const comparison = compareResponses(legacyResponse, service, contract?.volatileFields ?? []);
    await recordParity(this.options.redis, this.options.prefix, domain, comparison, {
      method: forward.method,
      path: forward.target.raw,
      route: contract?.name ?? null,
      legacyStatus: legacyResponse.status,
      serviceStatus: service.status,
      legacyBody: legacyResponse.body,
      serviceBody: service.body,
      traceId: forward.trace.traceId,
    });
    metrics.mirrors.inc({ domain, result: comparison.match ? "match" : "mismatch" });
  }
}
