import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { redisScope } from "@/lib/events/testing/redis-scope";
import {
  adminPortOf,
  eventually,
  type Spawned,
  spawnEntry,
  statusOf,
} from "./testing/spawned-process";

// The real entries on real PostgreSQL and Redis: probes answer, SIGTERM stops them cleanly.
const { url: redisUrl, prefix } = redisScope();
const env = {
  DATABASE_URL: "postgres://postgres@127.0.0.1:5432/postgres",
  LEARNING_DATABASE: "postgres",
  REDIS_URL: redisUrl,
  KEIKO_KEY_PREFIX: prefix,
  SERVICE_TOKEN_SECRET: "s".repeat(32),
  SHUTDOWN_DELAY_MS: "1000",
};

const running: Spawned[] = [];
afterEach(() => {
  for (const spawned of running.splice(0)) spawned.child.kill("SIGKILL");
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function stopsCleanly(spawned: Spawned, readyz: string): Promise<void> {
  const signalled = Date.now();
  spawned.child.kill("SIGTERM");
  await eventually(async () => (await statusOf(readyz)) === 503, 3_000);
  const exit = await spawned.exited;
  expect(exit.code).toBe(0);
  expect(exit.at - signalled).toBeLessThan(10_000);
}

describe("services/learning/main.ts", () => {
  it("is ready on its port, then stops on SIGTERM through readiness 503 with exit 0", async () => {
    const port = await freePort();
    const service = spawnEntry("services/learning/main.ts", { ...env, PORT: String(port) });
    running.push(service);
    const base = `http://127.0.0.1:${port}`;
    await eventually(async () => (await statusOf(`${base}/readyz`)) === 200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('service="learning"');
    await stopsCleanly(service, `${base}/readyz`);
    expect(service.output()).toContain('"service":"learning"');
  }, 120_000);

  it("names a bad PORT in one line and exits 1", async () => {
    const service = spawnEntry("services/learning/main.ts", { ...env, PORT: "eighty" });
    running.push(service);
    expect((await service.exited).code).toBe(1);
    expect(service.output().trim().split("\n")).toEqual([
      "learning: invalid configuration: PORT: must be a port number",
    ]);
  }, 60_000);
});

describe("services/learning/consume.ts", () => {
  it("serves /healthz, /readyz and /metrics on ADMIN_PORT and stops on SIGTERM with exit 0", async () => {
    const consumer = spawnEntry("services/learning/consume.ts", { ...env, ADMIN_PORT: "0" });
    running.push(consumer);
    const admin = `http://127.0.0.1:${await adminPortOf(consumer)}`;
    await eventually(async () => (await statusOf(`${admin}/readyz`)) === 200);
    expect(await statusOf(`${admin}/healthz`)).toBe(200);
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    expect(metrics).toContain('service="learning-consumer"');
    // nothing in flight: it may be gone before a probe sees 503; its log shows the order
    const signalled = Date.now();
    consumer.child.kill("SIGTERM");
    const exit = await consumer.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - signalled).toBeLessThan(10_000);
    // in this order by their times (the lines themselves once came out of order on stdout)
    const at = timesOf(consumer.output());
    const stopping = at("stopping: readiness is 503");
    const finishing = at("finishing the current handler");
    const stopped = at("stopped");
    expect(stopping).toBeLessThanOrEqual(finishing);
    expect(finishing).toBeLessThanOrEqual(stopped);
    expect(await statusOf(`${admin}/healthz`)).toBe(0);
  }, 120_000);
});

/** The `time` of the first JSON log line with each message (NaN when there is none). */
function timesOf(output: string): (message: string) => number {
  const times = new Map<string, number>();
  for (const line of output.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const { msg, time } = JSON.parse(line) as { msg?: string; time?: number };
      if (msg !== undefined && time !== undefined && !times.has(msg)) times.set(msg, time);
    } catch {
      // not a log line
    }
  }
  return (message) => times.get(message) ?? Number.NaN;
}
