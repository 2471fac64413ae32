import type { FastifyInstance } from "fastify";
import { collectDefaultMetrics, Registry } from "prom-client";
import { BucketHistogram } from "@/lib/observability/bucket-histogram";

/** A Prometheus registry per process, labelled with the service name, with Node's own metrics. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

const registries = new WeakMap<FastifyInstance, Registry>();

/** The registry an app serves on its /metrics (registerHttpMetrics), for its own metrics. */
export function metricsRegistryOf(app: FastifyInstance): Registry | undefined {
  return registries.get(app);
}

/**
 * Times every request into `http_server_request_duration_seconds` (route pattern, method,
 * status) and serves the registry on GET /metrics in the Prometheus text format.
 */
export function registerHttpMetrics(app: FastifyInstance, registry: Registry): void {
  registries.set(app, registry);
  // found when another app of this process registered it already (one registry per process)
  const existing = registry.getSingleMetric("http_server_request_duration_seconds");
  const duration =
    (existing as unknown as BucketHistogram<"route" | "method" | "status"> | undefined) ??
    new BucketHistogram({
      name: "http_server_request_duration_seconds",
      help: "Duration of HTTP requests served, by route pattern, method and status",
      labelNames: ["route", "method", "status"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    if (route === "/metrics") return;
    duration.observe(
      { route, method: request.method, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.get("/metrics", async (_request, reply) => {
    reply.header("content-type", registry.contentType);
    return registry.metrics();
  });
}
