import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { databaseUrlFor } from "@/lib/config/parse-env";
import type { OwnPlatform } from "./platform";
import { killAndAwaitRestart } from "./processes";

/** One fault: `inject` applies it and resolves once it is lifted, with a note for the table. */
export type Fault = {
  name: string;
  /** Part of the shortened catalogue the test runs. */
  quick: boolean;
  inject(platform: OwnPlatform): Promise<string>;
};

const restarted = (seconds: number) => `restarted by the supervisor in ${seconds.toFixed(1)} s`;

function sigkill(name: string, process: string, quick: boolean): Fault {
  return {
    name,
    quick,
    inject: async (platform) => restarted(await killAndAwaitRestart(platform, process, "SIGKILL")),
  };
}

const SLOW_MS = 2_500;
const SLOW_FOR_MS = 6_000;
const LOCK_FOR_MS = 6_000;

/**
 * The catalogue, in the order it runs. Processes are found through the supervisor and confirmed
 * in /proc; PostgreSQL and Redis are the drill's own (never the shared 5432 / 6379).
 */
export const FAULTS: Fault[] = [
  sigkill("SIGKILL api-gateway", "api-gateway", true),
  sigkill("SIGKILL legacy-runtime", "legacy-runtime", false),
  sigkill("SIGKILL learning (canary 50 %)", "learning", true),
  sigkill("SIGKILL outbox-relay", "outbox-relay", false),
  sigkill("SIGKILL legacy-runtime-consumer", "legacy-runtime-consumer", true),
  sigkill("SIGKILL passport-consumer", "passport-consumer", false),
  sigkill("SIGKILL slo-guard", "slo-guard", false),
  sigkill("SIGKILL data-sync", "data-sync", false),
  {
    name: "Redis restart (SIGTERM, AOF)",
    quick: true,
    inject: async (platform) => restarted(await killAndAwaitRestart(platform, "redis", "SIGTERM")),
  },
  {
    name: "Redis crash (SIGKILL, AOF everysec)",
    quick: false,
    inject: async (platform) => restarted(await killAndAwaitRestart(platform, "redis", "SIGKILL")),
  },
  {
    name: "PostgreSQL restart (fast shutdown)",
    quick: false,
    inject: async (platform) =>
      restarted(await killAndAwaitRestart(platform, "postgres", "SIGINT")),
  },
  {
    name: `slow upstream (legacy +${SLOW_MS / 1000} s for ${SLOW_FOR_MS / 1000} s)`,
    quick: false,
    async inject(platform) {
      platform.slowLegacy.setDelay(SLOW_MS);
      await sleep(SLOW_FOR_MS);
      platform.slowLegacy.setDelay(0);
      return "every legacy answer held back by a TCP proxy; gateway legacy timeout 2 s";
    },
  },
  {
    name: `hung handler (learning's known_users locked ${LOCK_FOR_MS / 1000} s)`,
    quick: true,
    async inject(platform) {
      // SHARE mode: reads and foreign-key checks go on, every insert waits (the learning group's
      // UserRegistered handler, and the data sync's copy of users)
      const client = new pg.Client({
        connectionString: databaseUrlFor(platform.serverUrl, "keiko_learning"),
      });
      client.on("error", () => undefined);
      await client.connect();
      try {
        await client.query("begin");
        await client.query("lock table known_users in share mode");
        await sleep(LOCK_FOR_MS);
        await client.query("rollback");
      } finally {
        await client.end();
      }
      const deadLetters = await deadLetterCount(platform);
      return `lock held in a transaction; handler deadline 2 s; dead letters now ${deadLetters}`;
    },
  },
];

/** Entries in every dead-letter stream. */
export async function deadLetterCount(platform: OwnPlatform): Promise<number> {
  const keys = await platform.redis.keys(`${platform.prefix}dlq:events:*`);
  let total = 0;
  for (const key of keys) total += await platform.redis.xlen(key);
  return total;
}
