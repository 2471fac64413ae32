/**
 * api-gateway: listens on PORT (8080) and sends each client request to the legacy runtime or the
 * domain's new service, per the routing table in keiko_control; see ./app.ts and ./config.ts.
 * GATEWAY_WORKERS=N runs N of them on one port (./cluster.ts, decision 0021).
 */
import { Redis } from "ioredis";
import pino from "pino";
import { resilientPool } from "@/lib/db/pool";
import { runService } from "@/lib/http/run-service";
import { buildGatewayApp } from "./app";
import { startGatewayWorkers } from "./cluster";
import { API_GATEWAY_SERVICE, loadGatewayConfig } from "./config";

// biome-ignore lint/style/noProcessEnv: the entry hands its environment to the parser, once
const loadConfig = () => loadGatewayConfig(process.env);

// GATEWAY_WORKERS > 1: this process only forks and watches the workers, which run this file too
// (./cluster.ts); a bad configuration is left for runService to report in one line.
const workers = (() => {
  try {
    return loadConfig().GATEWAY_WORKERS;
  } catch {
    return 1;
  }
})();

if (!startGatewayWorkers(workers))
  await runService(API_GATEWAY_SERVICE.name, loadConfig, async (settings, logger) => {
    const log = pino(logger);
    const pool = resilientPool(
      { connectionString: settings.databaseUrl, max: 4 },
      log,
      "keiko_control",
    );
    const redis = new Redis(settings.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 });
    redis.on("error", (error) => log.warn({ err: error }, "redis connection error"));
    const app = await buildGatewayApp({
      settings,
      pool,
      controlDatabaseUrl: settings.databaseUrl,
      redis,
      logger,
    });
    return { app, close: async () => void (await Promise.all([pool.end(), redis.quit()])) };
  });
