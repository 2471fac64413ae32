import path from "node:path";
import type { LauncherConfig } from "./config";
import { embeddedPostgresEntry, embeddedPostgresUrl } from "./embedded-postgres";
import { pickPort } from "./free-port";
import { postgresAnswers, redisAnswers } from "./probes";
import { findExecutable, localRedisUrl, redisServerEntry } from "./redis-server";
import { readOrCreateSecret } from "./secret-file";
import type { Supervisor } from "./supervisor";

export const LOCAL_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres";
export const LOCAL_REDIS_URL = "redis://127.0.0.1:6379";
export const EMBEDDED_POSTGRES_PORT = 54329;
export const EMBEDDED_REDIS_PORT = 63799;

/** A backing service the stack will use, and a line that says which one (without secrets). */
export type Provided = { url: string; description: string };

/** host:port of a URL, for log lines that must not show credentials. */
export function where(url: string): string {
  const { hostname, port } = new URL(url);
  return port ? `${hostname}:${port}` : hostname;
}

/** DATABASE_URL, else the local server on 5432, else an embedded cluster in <data>/postgres. */
export async function providePostgres(
  config: LauncherConfig,
  supervisor: Supervisor,
): Promise<Provided> {
  if (config.databaseUrl) {
    if (!(await postgresAnswers(config.databaseUrl))) {
      throw new Error(`PostgreSQL at DATABASE_URL (${where(config.databaseUrl)}) does not answer`);
    }
    return { url: config.databaseUrl, description: `DATABASE_URL (${where(config.databaseUrl)})` };
  }
  if (!config.forceEmbedded && (await postgresAnswers(LOCAL_POSTGRES_URL))) {
    return { url: LOCAL_POSTGRES_URL, description: `local server (${where(LOCAL_POSTGRES_URL)})` };
  }
  const dataDir = path.join(config.dataDir, "postgres");
  const password = await readOrCreateSecret(path.join(config.dataDir, "postgres-password"), 24);
  const port = await pickPort(EMBEDDED_POSTGRES_PORT);
  await supervisor.start(embeddedPostgresEntry({ dataDir, port, password }));
  return {
    url: embeddedPostgresUrl(port, password),
    description: `embedded (127.0.0.1:${port}, ${path.relative(config.root, dataDir)})`,
  };
}

/** REDIS_URL, else the local server on 6379, else a redis-server from PATH in <data>/redis. */
export async function provideRedis(
  config: LauncherConfig,
  supervisor: Supervisor,
): Promise<Provided> {
  if (config.redisUrl) {
    if (!(await redisAnswers(config.redisUrl))) {
      throw new Error(`Redis at REDIS_URL (${where(config.redisUrl)}) does not answer`);
    }
    return { url: config.redisUrl, description: `REDIS_URL (${where(config.redisUrl)})` };
  }
  if (!config.forceEmbedded && (await redisAnswers(LOCAL_REDIS_URL))) {
    return { url: LOCAL_REDIS_URL, description: `local server (${where(LOCAL_REDIS_URL)})` };
  }
  const command = await findExecutable("redis-server", config.searchPath);
  if (!command) {
    throw new Error(
      "no Redis: set REDIS_URL, or install redis-server (Debian/Ubuntu: apt-get install redis-server)",
    );
  }
  const dir = path.join(config.dataDir, "redis");
  const port = await pickPort(EMBEDDED_REDIS_PORT);
  await supervisor.start(redisServerEntry({ command, dir, port }));
  return {
    url: localRedisUrl(port),
    description: `redis-server (127.0.0.1:${port}, ${path.relative(config.root, dir)})`,
  };
}
