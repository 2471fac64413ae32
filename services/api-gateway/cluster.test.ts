import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { createServer } from "node:net";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setBreakerOverride } from "@/lib/resilience/breaker-overrides";
import { readGatewayStats } from "@/lib/resilience/stats-publisher";
import { TEST_SERVICE_SECRET } from "@/lib/testing/contract-target";
import { createTestDatabase, testServerUrl } from "@/lib/testing/test-database";
import { setDomainState } from "./testing/gateway-under-test";
import { startUpstreamStub, type UpstreamStub } from "./testing/upstream-stub";

const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = `test:gwc:${Date.now().toString(36)}${randomBytes(3).toString("hex")}:`;
let legacy: UpstreamStub;
let identity: UpstreamStub;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
let redis: Redis;
let gateway: ChildProcess;
let baseUrl: string;
const output: string[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** One GET on a connection of its own, so that the primary hands it to the next worker. */
function getOnNewConnection(path: string): Promise<{ status: number; upstream: string }> {
  return new Promise((resolve, reject) => {
    const call = request(`${baseUrl}${path}`, { agent: false }, (response) => {
      response.resume();
      response.once("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          upstream: String(response.headers["x-keiko-upstream"]),
        }),
      );
    });
    call.once("error", reject);
    call.end();
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}\n${output.slice(-20).join("\n")}`);
}

/** Each live worker's window of one upstream, by gateway id. */
async function perWorker(key: string) {
  const stats = await readGatewayStats(redis, prefix);
  return stats.gateways.map((gateway) => {
    const upstream = gateway.upstreams.find((u) => `${u.domain}:${u.side}` === key);
    return { id: gateway.gatewayId, requests: upstream?.window.requests ?? 0, upstream };
  });
}

beforeAll(async () => {
  [legacy, identity] = await Promise.all([
    startUpstreamStub({ audience: "legacy-runtime" }),
    startUpstreamStub({ audience: "identity" }),
  ]);
  database = await createTestDatabase("control");
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
  await pool.query(
    `insert into domains (name, display_name, path_prefix, legacy_url, service_url, state, canary_weight)
     values ('identity', 'identity', '/api/identity', $1, $2, 'legacy', 0)`,
    [legacy.url, identity.url],
  );
  redis = new Redis(redisUrl);
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  gateway = spawn(process.execPath, ["--import", "tsx", "services/api-gateway/main.ts"], {
    env: {
      ...process.env,
      DATABASE_URL: testServerUrl(),
      CONTROL_DATABASE: database.name,
      REDIS_URL: redisUrl,
      KEIKO_KEY_PREFIX: prefix,
      SERVICE_TOKEN_SECRET: TEST_SERVICE_SECRET,
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "warn",
      GATEWAY_WORKERS: "2",
      GATEWAY_STATS_PUBLISH_MS: "200",
      // the periodic reload is out of the way: only the notification can apply a change in time
      GATEWAY_ROUTES_RELOAD_MS: "600000",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [gateway.stdout, gateway.stderr]) {
    stream?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  }
  // both workers are up once each has published a snapshot
  await until(
    "two workers publishing",
    async () => ((await readGatewayStats(redis, prefix)).gateways.length === 2 ? true : undefined),
    60_000,
  );
}, 90_000);

afterAll(async () => {
  if (gateway && gateway.exitCode === null) {
    const exited = new Promise((resolve) => gateway.once("exit", resolve));
    gateway.kill("SIGTERM");
    await Promise.race([exited, sleep(15_000)]);
  }
  let cursor = "0";
  do {
    const [next, keys] = (await redis?.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000)) ?? [
      "0",
      [],
    ];
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
  redis?.disconnect();
  await pool?.end();
  await database?.drop();
  await Promise.all([legacy, identity].map((stub) => stub?.close()));
});

describe("GATEWAY_WORKERS=2", () => {
  it("routes on both workers, and the readers see the sum of their statistics", async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => getOnNewConnection("/api/identity/v1/users")),
    );
    for (const answer of answers)
      expect(answer).toEqual({ status: 200, upstream: "legacy-runtime" });
    const workers = await until(
      "both snapshots to count the 40 calls",
      async () => {
        const seen = await perWorker("identity:legacy");
        const total = seen.reduce((sum, worker) => sum + worker.requests, 0);
        return total === 40 ? seen : undefined;
      },
      5_000,
    );
    // each worker served its share and publishes only that; the merged view is their sum
    expect(workers).toHaveLength(2);
    for (const worker of workers) expect(worker.requests).toBeGreaterThan(0);
    const merged = await readGatewayStats(redis, prefix);
    const identityLegacy = merged.upstreams.find(
      (u) => u.domain === "identity" && u.side === "legacy",
    );
    expect(identityLegacy?.window.requests).toBe(40);
  });

  it("applies a route change on every worker within a second", async () => {
    const changedAt = performance.now();
    await setDomainState(pool, "identity", "migrated");
    await until(
      "ten connections in a row answered by the new service",
      async () => {
        const batch = await Promise.all(
          Array.from({ length: 10 }, () => getOnNewConnection("/api/identity/v1/users")),
        );
        return batch.every((answer) => answer.upstream === "identity") ? true : undefined;
      },
      3_000,
    );
    const elapsed = performance.now() - changedAt;
    expect(elapsed).toBeLessThan(1_000);
    // and both workers served the new side
    const workers = await until(
      "both workers to count service calls",
      async () => {
        const seen = await perWorker("identity:service");
        return seen.length === 2 && seen.every((worker) => worker.requests > 0) ? seen : undefined;
      },
      5_000,
    );
    expect(workers).toHaveLength(2);
  });

  it("applies an operator's breaker override on every worker", async () => {
    await setBreakerOverride(redis, prefix, "identity", "service", "open");
    const forced = await until(
      "both workers to report the override",
      async () => {
        const seen = await perWorker("identity:service");
        return seen.length === 2 && seen.every((w) => w.upstream?.breaker.forced === "open")
          ? seen
          : undefined;
      },
      3_000,
    );
    expect(forced).toHaveLength(2);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => getOnNewConnection("/api/identity/v1/users")),
    );
    // migrated, its breaker held open: every worker sends the calls to legacy instead
    for (const answer of answers) expect(answer.upstream).toBe("legacy-runtime");
  });
});
