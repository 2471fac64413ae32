/**
 * slo-guard: rolls a domain in canary or migrated back to legacy as soon as its new service
 * breaks its SLO policy, and promotes rollout plans whose hold was healthy. It follows the
 * gateways' per-second statistics on Redis and acts through the control plane's `internal.*`
 * procedures as actor `slo-guard` (workers/slo-guard/). Run: `tsx workers/slo-guard.ts`;
 * configuration: workers/slo-guard/config.ts; lifecycle and admin server (ADMIN_PORT):
 * lib/process/lifecycle.ts.
 */
import { Redis } from "ioredis";
import { runProcess } from "@/lib/process/lifecycle";
import { loadSloGuardConfig } from "@/workers/slo-guard/config";
import { createControlPlaneClient } from "@/workers/slo-guard/control-plane";
import { startSloGuard } from "@/workers/slo-guard/guard-loop";
import { loadTimelineWatchSettings } from "@/workers/slo-guard/timeline-watch-config";

await runProcess({
  name: "slo-guard",
  kind: "worker",
  config: () => ({ ...loadSloGuardConfig(), timeline: loadTimelineWatchSettings() }),
  logLevel: (config) => config.LOG_LEVEL,
  start: async (config, { logger }) => {
    const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 });
    redis.on("error", (error) => logger.warn({ err: error }, "redis connection error"));
    // Without its subscription the guard is blind: a failed start exits 1 and is restarted.
    const guard = await startSloGuard({
      redis,
      prefix: config.KEIKO_KEY_PREFIX,
      controlPlane: createControlPlaneClient({
        url: config.CONTROL_PLANE_URL,
        serviceTokenSecret: config.SERVICE_TOKEN_SECRET,
      }),
      logger,
      intervalMs: config.GUARD_INTERVAL_MS,
      timeline: config.timeline,
    }).catch((error: unknown) => {
      redis.disconnect();
      throw error;
    });
    return { drain: () => guard.stop(), close: async () => void (await redis.quit()) };
  },
});
