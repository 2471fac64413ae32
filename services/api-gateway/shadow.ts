import type { FastifyBaseLogger } from "fastify";
import type { Redis } from "ioredis";
import { errorBody } from "@/lib/contracts/errors";
import {
  compareResponses,
  type ParityComparison,
  type ParityResponse,
} from "@/lib/parity/compare-responses";
import { ParityBatcher } from "@/lib/parity/parity-batcher";
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

// Same status and the same bytes: a match whatever the route's volatile fields (they can only
// make different bytes match), so neither body is parsed.
const IDENTICAL: ParityComparison = { match: true, diffs: [], truncated: false };

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
 * volatile fields, lib/parity) and recorded in Redis in batches (ParityBatcher): per-domain
 * counts and mismatch samples. Each domain's `shadowPercent` of its requests get a copy; at most
 * `concurrency` copies are in flight; the client never waits for one.
 */
export class ShadowMirror implements ShadowSink {
  #inFlight = 0;
  readonly #running = new Set<Promise<void>>();
  readonly #parity: ParityBatcher;

  constructor(private readonly options: ShadowMirrorOptions) {
    // written every 100 ms or 1,000 pairs (decision 0022)
    this.#parity = new ParityBatcher({
      redis: options.redis,
      prefix: options.prefix,
      logger: options.logger,
    });
  }

  /** Copies in flight now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Whether this request gets a copy: inside its domain's sample (`shadowPercent` of the route,
   * set by an operator; Math.random, not a 1-in-N counter, so traffic with a period, e.g. a
   * client alternating two routes, cannot keep a route out of it) and a slot free now (offer
   * checks again when the answer is sent). A no is counted.
   */
  admits(route: DomainRoute): boolean {
    const percent = route.shadowPercent;
    if (percent < 100 && !(Math.random() * 100 < percent)) {
      this.options.metrics.mirrors.inc({ domain: route.name, result: "sampled_out" });
      return false;
    }
    if (this.#inFlight >= this.options.concurrency) {
      this.options.metrics.mirrors.inc({ domain: route.name, result: "dropped" });
      return false;
    }
    return true;
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

  /** Waits for the copies in flight, then writes their parity (on shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#running]);
    await this.#parity.flush();
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
    if (
      legacy.body.length > this.options.maxBodyBytes ||
      (call.kind === "answer" && call.answer.body.length > this.options.maxBodyBytes)
    ) {
      metrics.mirrors.inc({ domain, result: "not_compared" });
      return;
    }
    if (
      call.kind === "answer" &&
      call.answer.status === legacy.status &&
      call.answer.body.equals(legacy.body)
    ) {
      this.#parity.add(domain, IDENTICAL, {
        method: forward.method,
        path: forward.target.raw,
        legacyStatus: legacy.status,
        serviceStatus: legacy.status,
      });
      metrics.mirrors.inc({ domain, result: "match" });
      return;
    }
    const service: ParityResponse =
      call.kind === "answer"
        ? { status: call.answer.status, body: parseBody(call.answer) }
        : {
            status: call.failure.status,
            body: errorBody(
              call.failure.status === 504 ? "gateway_timeout" : "bad_gateway",
              call.failure.reason,
            ),
          };
    const legacyResponse: ParityResponse = { status: legacy.status, body: parseBody(legacy) };
    const contract = findRouteContract(forward.method, forward.target.pathname);
    const comparison = compareResponses(legacyResponse, service, contract?.volatileFields ?? []);
    this.#parity.add(domain, comparison, {
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
