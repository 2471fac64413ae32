import { constants } from "node:fs";
import { access, mkdir } from "node:fs/promises";
import path from "node:path";
import { spawnChild } from "./child-process";
import { redisAnswers } from "./probes";
import type { ProcessEntry } from "./supervisor";

/** The first executable called `name` on `searchPath` (a PATH value), if any. */
export async function findExecutable(
  name: string,
  searchPath: string,
): Promise<string | undefined> {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === "") continue;
    const candidate = path.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next folder
    }
  }
  return undefined;
}

export type RedisServerOptions = {
  /** Path of the redis-server executable. */
  command: string;
  /** Its data folder: the append-only file (`appendonlydir/`) is written there. */
  dir: string;
  port: number;
  write?: (line: string) => void;
};

/** The URL of a local redis-server on `port`. */
export function localRedisUrl(port: number): string {
  return `redis://127.0.0.1:${port}`;
}

/**
 * A redis-server on 127.0.0.1 that keeps events across restarts: an append-only file in `dir`,
 * fsynced every second (a crash loses at most ~1 s of writes; the relay's generation marker
 * notices any bigger loss and re-publishes from the outbox). No RDB snapshots: the AOF suffices.
 */
export function redisServerEntry(options: RedisServerOptions): ProcessEntry {
  const url = localRedisUrl(options.port);
  return {
    name: "redis",
    readyTimeoutMs: 15_000,
    ready: () => redisAnswers(url),
    async start() {
      await mkdir(options.dir, { recursive: true });
      return spawnChild({
        name: "redis",
        command: options.command,
        args: [
          "--port",
          String(options.port),
          "--bind",
          "127.0.0.1",
          "--dir",
          options.dir,
          "--save",
          "",
          "--appendonly",
          "yes",
          "--appendfsync",
          "everysec",
          "--daemonize",
          "no",
        ],
        cwd: options.dir,
        write: options.write,
      });
    },
  };
}
