import type { FastifyInstance } from "fastify";
import type { ServiceEnv } from "@/lib/config/service";
import { serve } from "@/lib/http/serve";

type LoggerOptions = { level: string; base: { service: string } };

/**
 * The main of every HTTP service: read the configuration (a bad value prints one line naming the
 * variable and exits 1), build the app, listen on HOST:PORT, close gracefully on SIGTERM.
 */
export async function runService(
  name: string,
  loadConfig: () => ServiceEnv,
  build: (
    config: ServiceEnv,
    logger: LoggerOptions,
  ) => Promise<{ app: FastifyInstance; close: () => Promise<void> }>,
): Promise<void> {
  let config: ServiceEnv;
  try {
    config = loadConfig();
  } catch (error) {
    console.error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  const { app, close } = await build(config, { level: config.LOG_LEVEL, base: { service: name } });
  await serve(app, { host: config.HOST, port: config.port }, close);
  app.log.info(`${name} listening on http://${config.HOST}:${config.port}`);
}
