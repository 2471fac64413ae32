/**
 * The console in production mode on the one process lifecycle (lib/process/lifecycle.ts), in
 * place of `next start`: GET /healthz, /readyz (503 once stopping) and /metrics beside Next.js's
 * handler; writes the domain rows a new control database lacks; on SIGTERM readiness turns 503, requests in flight finish (event streams are cut at the
 * bound), and it exits 0. Run after `next build`, with `next start`'s flags:
 * `node --import tsx scripts/console-server.ts -p 3000 -H 127.0.0.1`.
 */
import { createServer } from "node:http";
import path from "node:path";
import { parseArgs } from "node:util";
import next from "next";
import { z } from "zod";
import { consoleEnv } from "@/lib/config/console";
import { parseEnv } from "@/lib/config/parse-env";
import { processMetrics } from "@/lib/observability/process-metrics";
import { answerProbe } from "@/lib/process/http-probes";
import { closeServer, listen } from "@/lib/process/http-server";
import { runProcess } from "@/lib/process/lifecycle";
import { drainGraceMs } from "@/lib/process/lifecycle-settings";
import { createControlDb } from "@/server/db/client";
import { loadUpstreams, seedDomains } from "@/server/migration/domain-catalog";

const ConsoleServerSettingsSchema = z.object({
  "--port": z.coerce
    .number({ error: () => "must be a port number" })
    .int("must be a port number")
    .min(1, "must be between 1 and 65535")
    .max(65535, "must be between 1 and 65535")
    .default(3000),
  "--hostname": z.string().default("127.0.0.1"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

const root = path.resolve(import.meta.dirname, "..");

await runProcess({
  name: "console",
  kind: "server",
  config: () => {
    const { values } = parseArgs({
      options: { port: { type: "string", short: "p" }, hostname: { type: "string", short: "H" } },
    });
    const settings = parseEnv(ConsoleServerSettingsSchema, {
      "--port": values.port,
      "--hostname": values.hostname,
      LOG_LEVEL: process.env.LOG_LEVEL,
    });
    // the console's own variables, checked now rather than on its first page (lib/config/console.ts)
    consoleEnv();
    return {
      ...settings,
      PORT: settings["--port"],
      HOST: settings["--hostname"],
      upstreams: loadUpstreams(process.env),
    };
  },
  logLevel: (config) => config.LOG_LEVEL,
  start: async (config, lifecycle) => {
    // a cluster has no launcher: the console writes the domain rows it misses (LEGACY_URL, SERVICE_URLS)
    const control = createControlDb(consoleEnv().controlDatabaseUrl, 1);
    try {
      await seedDomains(control.db, config.upstreams);
    } finally {
      await control.pool.end();
    }
    const app = next({ dev: false, dir: root, hostname: config.HOST, port: config.PORT });
    await app.prepare();
    const handle = app.getRequestHandler();
    const registry = processMetrics("console");
    const server = createServer((request, response) => {
      // a client told to close reconnects, through the load balancer, to a pod that is not stopping
      if (!lifecycle.ready) response.setHeader("connection", "close");
      if (answerProbe(request, response, lifecycle, registry)) return;
      void handle(request, response);
    });
    await listen(server, config.PORT, config.HOST);
    lifecycle.logger.info(`console listening on http://${config.HOST}:${config.PORT}`);
    return {
      drain: () => closeServer(server, drainGraceMs(lifecycle.settings)),
      close: () => app.close(),
    };
  },
});
