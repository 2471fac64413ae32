/**
 * A worker on the real lifecycle for lifecycle.test.ts: it runs jobs of JOB_MS back to back and,
 * stopped, finishes the current one, as a consumer finishes its handler.
 */
import { z } from "zod";
import { parseEnv } from "@/lib/config/parse-env";
import { runProcess } from "@/lib/process/lifecycle";

const SlowWorkerEnvSchema = z.object({
  JOB_MS: z.coerce.number().int().min(1).default(2_000),
  LOG_LEVEL: z.string().default("info"),
});

await runProcess({
  name: "slow-worker",
  kind: "worker",
  config: () => parseEnv(SlowWorkerEnvSchema, process.env),
  logLevel: (config) => config.LOG_LEVEL,
  start: async (config, { logger }) => {
    let stopping = false;
    const loop = (async () => {
      for (let job = 1; !stopping; job++) {
        logger.info({ job }, "job started");
        await new Promise((resolve) => setTimeout(resolve, config.JOB_MS));
        logger.info({ job }, "job finished");
      }
    })();
    return {
      drain: async () => {
        stopping = true;
        await loop;
      },
      close: async () => logger.info("closed pools"),
    };
  },
});
