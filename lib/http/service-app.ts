import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from "fastify";
import type { Redis } from "ioredis";
import type pg from "pg";
import type { Registry } from "prom-client";
import type { ServiceVerificationKey } from "@/lib/auth/service-keys";
import { makeShadowAware } from "@/lib/db/shadow-run";
import { registerErrorHandling } from "@/lib/http/error-handler";
import { serviceAuth } from "@/lib/http/service-auth";
import { createMetricsRegistry, registerHttpMetrics } from "@/lib/observability/metrics";

export type ServiceAppOptions = {
  /** The service's name: the `aud` its callers' tokens must carry, and the metrics label. */
  name: string;
  key: ServiceVerificationKey;
  /** The pool the service's drizzle db runs on: made shadow-aware here (decision 0012). */
  pool: pg.Pool;
  redis: Redis;
  logger?: FastifyServerOptions["logger"];
  /** Largest accepted request body. */
  bodyLimit?: number;
  /** The registry served on /metrics: the process's own in a main; a fresh one per app in tests. */
  registry?: Registry;
};

async function check(name: string, probe: () => Promise<unknown>, timeoutMs = 1_000) {
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(new Error(`${name} did not answer in ${timeoutMs} ms`)),
      timeoutMs,
    ).unref(),
  );
  try {
    await Promise.race([probe(), timeout]);
    return { name, ok: true } as const;
  } catch (error) {
    return {
      name,
      ok: false,
      error: error instanceof Error ? error.message : String(error),
    } as const;
  }
}

/**
 * The Fastify instance every Keiko service starts from, without listening: the one error handler,
 * service-JWT auth on everything but the probes, `/healthz` (the process is up), `/readyz` (its
 * database and Redis answer) and `/metrics`. The caller registers its routes, then listens.
 * Its pool takes part in shadow runs, so the same pool must carry the service's db.
 */
export async function buildServiceApp(options: ServiceAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 256 * 1024,
    // Request logs would repeat what the metrics already count; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
  });
  // the gateway's shadow copies run in transactions rolled back on this pool
  makeShadowAware(options.pool);
  registerErrorHandling(app);
  await app.register(serviceAuth, { key: options.key, audience: options.name });
  registerHttpMetrics(app, options.registry ?? createMetricsRegistry(options.name));
  app.get("/healthz", async () => ({ status: "ok", service: options.name }));
  app.get("/readyz", async (_request, reply) => {
    const checks = await Promise.all([
      check("postgres", () => options.pool.query("select 1")),
      check("redis", () => options.redis.ping()),
    ]);
    const ready = checks.every((c) => c.ok);
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready", checks });
  });
  return app;
}
