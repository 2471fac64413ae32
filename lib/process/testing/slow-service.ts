/**
 * A minimal HTTP service on the real lifecycle (runService) for lifecycle.test.ts: GET /slow
 * answers after SLOW_MS, so a test can stop the process with a request in flight.
 */
import Fastify from "fastify";
import { z } from "zod";
import { loadServiceEnvWith, ServiceEnvSchema } from "@/lib/config/service";
import { runService } from "@/lib/http/run-service";

const SlowServiceEnvSchema = ServiceEnvSchema.safeExtend({
  SLOW_MS: z.coerce.number().int().min(0).default(2_000),
});
const service = { name: "slow-service", database: "postgres", port: 0 };

await runService(
  "slow-service",
  () => loadServiceEnvWith(service, SlowServiceEnvSchema),
  async (config, logger) => {
    const app = Fastify({ logger });
    app.get("/healthz", async () => ({ status: "ok" }));
    app.get("/readyz", async () => ({ status: "ready" }));
    app.get("/slow", async () => {
      await new Promise((resolve) => setTimeout(resolve, config.SLOW_MS));
      return { finished: true };
    });
    return { app, close: async () => console.log("closed pools") };
  },
);
