/**
 * slo-guard: rolls a domain in canary or migrated back to legacy as soon as its new service
 * breaks its SLO policy, and promotes rollout plans whose hold was healthy. It follows the
 * gateways' per-second statistics on Redis and acts through the control plane's `internal.*`
 * procedures as actor `slo-guard` (workers/slo-guard/). Run: `tsx workers/slo-guard.ts`;
 * configuration: workers/slo-guard/config.ts.
 */
import { Redis } from "ioredis";
import pino from "pino";
import { loadSloGuardConfig, type SloGuardConfig } from "@/workers/slo-guard/config";
import { createControlPlaneClient } from "@/workers/slo-guard/control-plane";
import { type SloGuard, startSloGuard } from "@/workers/slo-guard/guard-loop";

let config: SloGuardConfig;
try {
  config = loadSloGuardConfig();
} catch (error) {
  console.error(`slo-guard: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const logger = pino({ level: config.LOG_LEVEL, base: { service: "slo-guard" } });
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 });
redis.on("error", (error) => logger.warn({ err: error }, "redis connection error"));

let guard: SloGuard;
try {
  guard = await startSloGuard({
    redis,
    prefix: config.KEIKO_KEY_PREFIX,
    controlPlane: createControlPlaneClient({
      url: config.CONTROL_PLANE_URL,
      serviceTokenSecret: config.SERVICE_TOKEN_SECRET,
    }),
    logger,
    intervalMs: config.GUARD_INTERVAL_MS,
  });
} catch (error) {
  // Without its subscription the guard is blind: stop, and let the supervisor start it again.
  logger.fatal({ err: error }, "cannot start: Redis does not answer");
  redis.disconnect();
  process.exit(1);
}

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "stopping");
  await guard.stop();
  await redis.quit();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
