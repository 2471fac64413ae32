/**
 * Gateway benchmark (issues 4 and 11): `npx tsx bench/gateway/run.ts`, with PostgreSQL and Redis
 * on localhost (or TEST_DATABASE_URL / TEST_REDIS_URL) and nginx installed (NGINX_BIN to point
 * elsewhere; without it the nginx rows are skipped).
 *
 * Everything in one run, on loopback, against the same upstream (./upstream.ts, node:http
 * keep-alive answering a fixed ~230-byte JSON body, in a child process). Rows:
 *   direct; nginx with 1 and 2 workers; a bare node:http + undici streaming pass-through
 *   (./bare-proxy.ts, no features); @fastify/http-proxy (./fastify-proxy.ts; skipped with a line
 *   when the package is not installed); the API gateway (services/api-gateway/main.ts) with
 *   every feature on (routing, service JWT, traceparent, X-Forwarded-*, breaker, rolling
 *   statistics, metrics) for a migrated domain, a canary domain (bucket per user) and a shadow
 *   domain (every request mirrored, the mirror target healthy, parity recorded in Redis), and a
 *   second shadow domain mirroring 10 % (its `shadow_percent`); the gateway with
 *   GATEWAY_WORKERS=2 (services/api-gateway/main.ts forks, ./cluster.ts).
 * Then the same offered load, evenly paced (open loop) at a third of the gateway's maximum, for
 * the latency each proxy adds over direct; then good requests with and without a flood of bad
 * ones (./flood.ts: 404 unknown domain, 400 malformed path, 413 body declared over the limit).
 * The gateway's allocation per request and GC time share come from ./alloc-probe.ts, preloaded
 * into it (v8.GCProfiler). autocannon, BENCH_CONNECTIONS (50), BENCH_WARMUP_S (2) + BENCH_DURATION_S
 * (10) per row. The load generator, the proxies and the upstream share this machine's cores.
 * BENCH_GATEWAY_NODE_ARGS passes node flags to the 1-worker gateway (e.g. `--cpu-prof
 * --cpu-prof-dir=/tmp/gw-prof`; ./profile-top.ts prints a profile's top frames). Every child,
 * the test database and the Redis keys are removed at the end, on error and on Ctrl-C too.
 * BENCH_CHILD_OUTPUT_DIR=<dir> keeps each child process's whole output there (<name>.log).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { DEFAULT_LEGACY_PORT, DEFAULT_SERVICE_PORTS, DOMAIN_NAMES } from "@/lib/contracts/domains";
import { readGatewayStats } from "@/lib/resilience/stats-publisher";
import { createTestDatabase, testServerUrl } from "@/lib/testing/test-database";
import { type Measured, measure } from "./load";
import { findNginx, nginxVersion, startNginx } from "./nginx";
import { type Cleanups, installed, startGateway, startPortPrinter } from "./peers";
import { freePort } from "./processes";
import { gatewayRuntimeWindow, type RuntimeWindow } from "./runtime-metrics";

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 2);
const FIXED_RATE = process.env.BENCH_FIXED_RATE ?? "auto";
const GATEWAY_NODE_ARGS = (process.env.BENCH_GATEWAY_NODE_ARGS ?? "").split(" ").filter(Boolean);
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
/** Only the closed-loop rows whose label contains one of these (comma-separated); all when unset. */
const ONLY = (process.env.BENCH_ROWS ?? "").split(",").filter(Boolean);
/** `0` skips the flood phase. */
const FLOOD = process.env.BENCH_FLOOD !== "0";
const SECRET = `bench-gateway-secret-${randomBytes(16).toString("hex")}`;
const QUERY = "/v1/courses?page=1";
/** The measured domains: all four proxied to the one upstream, on both sides. */
const MODES = {
  learning: "migrated",
  identity: "canary",
  reputation: "shadow",
  governance: "shadow",
} as const;
const pathOf = (domain: string) => `/api/${domain}${QUERY}`;
const FASTIFY_PROXY = "@fastify/http-proxy";
/** The second shadow domain (governance) mirrors this share of its requests. */
const SAMPLED_SHADOW_PERCENT = 10;
/** Copies in flight the benchmark's gateways allow: enough that none is dropped. */
const SHADOW_CONCURRENCY = 4096;

const GOALS = {
  bare: 0.8,
  fastify: 1.5,
  modes: 0.85,
  addedP99Ms: 1,
  allocationBytes: 5 * 1024,
};

type Target = {
  label: string;
  url: string;
  proxy: () => number[];
  runtime?: () => RuntimeWindow;
  /** Around the measured run (the allocation probe). */
  probe?: { start(): Promise<void>; finish(result: Measured): Promise<string> };
  /** x-keiko-upstream expected from the gateway, when it is one. */
  answeredBy?: string[];
  headers?: Record<string, string>;
};
type Row = { target: Target; result: Measured; notes: string[] };

const cleanups: Cleanups = [];
let cleaning: Promise<void> | null = null;

function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const step of cleanups.reverse()) {
      try {
        await step.run();
      } catch (error) {
        console.error(`cleanup of ${step.name} failed: ${(error as Error).message}`);
      }
    }
  })();
  return cleaning;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the child processes and dropping the test database`);
    void cleanUp().finally(() => process.exit(130));
  });
}

const fmt = (value: number | null | undefined, digits = 2) =>
  value === null || value === undefined || Number.isNaN(value) ? "n/a" : value.toFixed(digits);
const pct = (value: number | null) => (value === null ? "  n/a" : `${Math.round(value * 100)}%`);
const verdict = (met: boolean) => (met ? "MET" : "NOT MET");
const signed = (v: number) => (v >= 0 ? `+${fmt(v)}` : fmt(v));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function insertDomains(databaseUrl: string, upstreamUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const name of DOMAIN_NAMES) {
      const mode = (MODES as Record<string, string>)[name];
      await client.query(
        `insert into domains (name, display_name, path_prefix, legacy_url, service_url, state, canary_weight, shadow_percent)
         values ($1, $1, $2, $3, $4, $5, $6, $7)`,
        [
          name,
          `/api/${name}`,
          mode ? upstreamUrl : `http://127.0.0.1:${DEFAULT_LEGACY_PORT}`,
          mode ? upstreamUrl : `http://127.0.0.1:${DEFAULT_SERVICE_PORTS[name]}`,
          mode ?? "legacy",
          mode === "migrated" ? 100 : mode === "canary" ? 50 : 0,
          name === "governance" ? SAMPLED_SHADOW_PERCENT : 100,
        ],
      );
    }
  } finally {
    await client.end();
  }
}

/** The allocation probe's totals, asked for with SIGUSR2 (./alloc-probe.ts). */
function allocationProbe(pid: () => number, file: string) {
  let lines = 0;
  const sample = async () => {
    process.kill(pid(), "SIGUSR2");
    for (let i = 0; i < 500; i++) {
      await sleep(20);
      const all = existsSync(file)
        ? readFileSync(file, "utf8").trim().split("\n").filter(Boolean)
        : [];
      if (all.length > lines) {
        lines = all.length;
        return JSON.parse(all.at(-1) as string) as {
          allocatedBytes: number;
          gcMs: number;
          atMs: number;
        };
      }
    }
    throw new Error("the allocation probe did not answer");
  };
  let before: Awaited<ReturnType<typeof sample>> | null = null;
  /** Bytes per millisecond the idle gateway allocates (stats publication, metrics, Redis). */
  let idleRate = 0;
  const stats = {
    bytesPerRequest: Number.NaN,
    grossBytesPerRequest: Number.NaN,
    gcShare: Number.NaN,
  };
  return {
    stats,
    async start() {
      const idleFrom = await sample();
      await sleep(2_000);
      before = await sample();
      idleRate = (before.allocatedBytes - idleFrom.allocatedBytes) / (before.atMs - idleFrom.atMs);
    },
    async finish(result: Measured) {
      const after = await sample();
      if (!before) return "";
      const requests = result.ok + result.non2xx;
      const allocated = after.allocatedBytes - before.allocatedBytes;
      const elapsedMs = after.atMs - before.atMs;
      stats.grossBytesPerRequest = allocated / requests;
      stats.bytesPerRequest = (allocated - idleRate * elapsedMs) / requests;
      stats.gcShare = (after.gcMs - before.gcMs) / elapsedMs;
      return (
        `allocated ${fmt(stats.bytesPerRequest / 1024, 2)} KB/request on the V8 heap beyond what the idle ` +
        `process allocates (${fmt((idleRate * 1000) / 1024 / 1024, 2)} MB/s: stats snapshots, metrics), ` +
        `${fmt(stats.grossBytesPerRequest / 1024, 2)} KB/request in all; GC ${fmt(after.gcMs - before.gcMs, 0)} ms = ` +
        `${fmt(stats.gcShare * 100, 1)} % of the wall time`
      );
    },
  };
}

/** One request through each target: the upstream's body, and the gateway's forwarded headers. */
async function preflight(targets: Target[], upstreamUrl: string): Promise<string[]> {
  const notes: string[] = [];
  const expected = await (await fetch(`${upstreamUrl}${pathOf("learning")}`)).text();
  for (const target of targets) {
    const response = await fetch(target.url, { headers: target.headers });
    const body = await response.text();
    if (response.status !== 200 || body !== expected) {
      throw new Error(
        `${target.label}: expected 200 and the upstream's body, got ${response.status}: ${body.slice(0, 300)}`,
      );
    }
    if (!target.answeredBy) continue;
    const upstream = response.headers.get("x-keiko-upstream") ?? "";
    if (!target.answeredBy.includes(upstream)) {
      throw new Error(`${target.label}: answered by ${upstream}, expected ${target.answeredBy}`);
    }
    const seen = (await (await fetch(`${upstreamUrl}/__bench/last-headers`)).json()) as Record<
      string,
      string | undefined
    >;
    if (
      !seen.authorization?.startsWith("Bearer ") ||
      !seen.traceparent ||
      !seen["x-forwarded-for"]
    ) {
      throw new Error(
        `${target.label}: the upstream did not get a service JWT, traceparent and XFF`,
      );
    }
    notes.push(
      `${target.label} → upstream: Bearer JWT, traceparent, x-forwarded-*; x-keiko-upstream: ${upstream}`,
    );
  }
  return notes;
}

function printTable(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  console.log(
    `  ${"target".padEnd(26)}${"req/s".padStart(8)}${"p50 ms".padStart(8)}${"p99 ms".padStart(8)}` +
      `${"max ms".padStart(8)}${"failed".padStart(8)}   CPU (100% = 1 core): ${"loadgen".padStart(7)}` +
      `${"proxy".padStart(7)}${"upstr.".padStart(7)}${"others".padStart(7)}${"machine".padStart(8)}` +
      `${"proxy µs/req".padStart(14)}`,
  );
  for (const { target, result: r } of rows) {
    const failed = r.non2xx + r.errors + r.timeouts;
    console.log(
      `  ${target.label.padEnd(26)}${fmt(r.rps, 0).padStart(8)}${fmt(r.p50Ms).padStart(8)}` +
        `${fmt(r.p99Ms).padStart(8)}${fmt(r.maxMs, 1).padStart(8)}${String(failed).padStart(8)}` +
        `${"".padStart(24)}${pct(r.cpu.loadgen).padStart(7)}${pct(r.cpu.proxy).padStart(7)}` +
        `${pct(r.cpu.upstream).padStart(7)}${pct(r.cpu.others).padStart(7)}${pct(r.cpu.machine).padStart(8)}` +
        `${fmt(r.proxyCpuMicrosPerRequest, 0).padStart(14)}`,
    );
  }
  for (const { target, result: r, notes } of rows) {
    for (const note of notes) console.log(`  ${target.label}: ${note}`);
    if (r.non2xx + r.errors + r.timeouts > 0) {
      console.log(
        `  WARNING ${target.label}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`,
      );
    }
  }
}

async function runTarget(
  target: Target,
  upstreamPid: number,
  rate?: number,
  connections = CONNECTIONS,
) {
  const runtime = rate === undefined ? target.runtime?.() : undefined;
  const probe = rate === undefined ? target.probe : undefined;
  const result = await measure(
    {
      url: target.url,
      connections,
      durationS: DURATION_S,
      warmupS: WARMUP_S,
      rate,
      headers: target.headers,
    },
    { proxy: target.proxy, upstream: () => [upstreamPid] },
    async () => {
      await runtime?.start();
      await probe?.start();
    },
  );
  const notes: string[] = [];
  if (probe) notes.push(await probe.finish(result));
  if (runtime) notes.push(await runtime.finish());
  return { target, result, notes: notes.filter(Boolean) } satisfies Row;
}

/** Runs ./flood.ts in a child process while `during` runs; its answer counts. */
async function withFlood<T>(url: string, during: () => Promise<T>) {
  const seconds = WARMUP_S + DURATION_S + 1;
  const child = spawn(process.execPath, ["--import", "tsx", "bench/gateway/flood.ts"], {
    env: {
      ...process.env,
      FLOOD_URL: url,
      FLOOD_S: String(seconds),
      FLOOD_CONNECTIONS: String(Math.floor(CONNECTIONS / 2)),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  cleanups.push({ name: "flood", run: async () => void child.kill("SIGKILL") });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await sleep(500);
  const value = await during();
  await exited;
  const line = out.trim().split("\n").at(-1) ?? "{}";
  return {
    value,
    flood: JSON.parse(line) as { requests?: number; statuses?: Record<string, number> },
  };
}

async function main(): Promise<void> {
  const cores = cpus().length;
  const nginxBin = findNginx();
  const autocannonVersion = (
    createRequire(import.meta.url)("autocannon/package.json") as { version: string }
  ).version;
  console.log("API gateway benchmark (issues 4 and 11): loopback, one run, same upstream");
  console.log(
    `  machine: ${cores} CPUs, load average ${loadavg()
      .map((v) => v.toFixed(2))
      .join(" ")} before the run; Node ${process.version}; ` +
      `${nginxBin ? nginxVersion(nginxBin) : "nginx not installed"}; autocannon ${autocannonVersion}`,
  );
  console.log(
    `  load: ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s measured per row, GET /api/<domain>${QUERY}`,
  );
  console.log(
    `  note: the ${cores} CPUs are shared: the load generator (autocannon, one Node thread), the proxy\n` +
      "  under test and the upstream all run on these same cores, and so does any other work on this host\n" +
      '  ("others" below). With 2 cores, a second gateway or nginx worker competes with the load generator\n' +
      "  and the upstream: the 2-worker rows show what a second process gains here, not on dedicated cores.\n" +
      '  "proxy µs/req" (CPU time per request) depends least on the contention.',
  );

  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
  } catch (error) {
    throw new Error(`Redis at ${REDIS_URL} (is it running?): ${(error as Error).message}`);
  }
  cleanups.push({ name: "redis connection", run: async () => void redis.disconnect() });
  const prefix = `bench:gw:${Date.now().toString(36)}${randomBytes(3).toString("hex")}:`;
  cleanups.push({
    name: "redis keys",
    run: async () => {
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== "0");
    },
  });
  const database = await createTestDatabase("control");
  cleanups.push({ name: `database ${database.name}`, run: () => database.drop() });
  const scratch = mkdtempSync(path.join(tmpdir(), "keiko-bench-gw-"));
  cleanups.push({
    name: "scratch dir",
    run: async () => rmSync(scratch, { recursive: true, force: true }),
  });

  const upstream = await startPortPrinter(cleanups, "upstream", "bench/gateway/upstream.ts");
  const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
  await insertDomains(database.url, upstreamUrl);
  console.log(
    `  upstream: node:http keep-alive, ${String(upstream.info.bodyBytes)}-byte JSON body`,
  );

  const gatewayEnv = {
    DATABASE_URL: testServerUrl(),
    CONTROL_DATABASE: database.name,
    REDIS_URL,
    KEIKO_KEY_PREFIX: prefix,
    SERVICE_TOKEN_SECRET: SECRET,
    // the shadow row mirrors every request: at the default (32 copies in flight) a saturated
    // gateway drops about a third of them, which would flatter the row
    GATEWAY_SHADOW_CONCURRENCY: String(SHADOW_CONCURRENCY),
  };
  const allocFile = path.join(scratch, "alloc.jsonl");
  const gateway = await startGateway(cleanups, {
    label: "api-gateway",
    entry: "services/api-gateway/main.ts",
    nodeArgs: [...GATEWAY_NODE_ARGS, "--import", "./bench/gateway/alloc-probe.ts"],
    env: { ...gatewayEnv, BENCH_ALLOC_FILE: allocFile },
  });
  const twoWorkerPrefix = `${prefix}w2:`;
  const gateway2 = await startGateway(cleanups, {
    label: "api-gateway x2",
    entry: "services/api-gateway/main.ts",
    nodeArgs: [],
    env: { ...gatewayEnv, KEIKO_KEY_PREFIX: twoWorkerPrefix, GATEWAY_WORKERS: "2" },
    ready: async () => (await readGatewayStats(redis, twoWorkerPrefix)).gateways.length === 2,
  });
  console.log(
    "  gateway: services/api-gateway/main.ts, 1 process and GATEWAY_WORKERS=2; learning migrated,\n" +
      "  identity canary (weight 50, one x-keiko-user: its bucket is remembered), reputation shadow (every\n" +
      "  request mirrored to the same healthy upstream, parity recorded in Redis), governance shadow\n" +
      `  mirroring ${SAMPLED_SHADOW_PERCENT} % (its shadow_percent); GATEWAY_SHADOW_CONCURRENCY=${SHADOW_CONCURRENCY}, so\n" +
      "  no copy is dropped; production defaults otherwise (LOG_LEVEL=warn)`,
  );
  const bareAllocFile = path.join(scratch, "bare-alloc.jsonl");
  const bare = await startPortPrinter(
    cleanups,
    "bare proxy",
    "bench/gateway/bare-proxy.ts",
    { UPSTREAM: upstreamUrl, BENCH_ALLOC_FILE: bareAllocFile },
    ["--import", "./bench/gateway/alloc-probe.ts"],
  );
  const fastify = installed(FASTIFY_PROXY)
    ? await startPortPrinter(cleanups, "fastify-http-proxy", "bench/gateway/fastify-proxy.ts", {
        UPSTREAM: upstreamUrl,
      })
    : null;
  if (!fastify) {
    console.log(
      `  ${FASTIFY_PROXY}: NOT INSTALLED; its row is skipped (the lead installs it: npm install --save-dev --save-exact @fastify/http-proxy@11.6.3)`,
    );
  }
  const nginx: Array<{ workers: number; port: number; pids: () => number[] }> = [];
  if (nginxBin) {
    for (const workers of [1, 2]) {
      const port = await freePort();
      const started = await startNginx(nginxBin, port, upstream.port, pathOf("learning"), workers);
      cleanups.push({ name: `nginx x${workers}`, run: () => started.stop() });
      nginx.push({ workers, port, pids: started.pids });
    }
    console.log(
      `  nginx: ${nginxBin}, worker_processes 1 and 2, upstream keepalive 64, access_log off`,
    );
  } else {
    console.log(
      "  nginx: NOT FOUND (apt-get install nginx-light, or NGINX_BIN); its rows are skipped",
    );
  }

  const probe = allocationProbe(() => gateway.pid, allocFile);
  const bareProbe = allocationProbe(() => bare.child.pid, bareAllocFile);
  const gatewayTarget = (
    label: string,
    domain: keyof typeof MODES,
    answeredBy: string[],
  ): Target => ({
    label,
    url: `${gateway.url}${pathOf(domain)}`,
    proxy: () => (gateway.done ? [] : [gateway.pid]),
    runtime: () => gatewayRuntimeWindow(gateway.url),
    answeredBy,
    headers: domain === "identity" ? { "x-keiko-user": "bench-user" } : undefined,
  });
  const direct: Target = {
    label: "direct",
    url: `${upstreamUrl}${pathOf("learning")}`,
    proxy: () => [],
  };
  const bareTarget: Target = {
    label: "bare node:http+undici",
    url: `http://127.0.0.1:${bare.port}${pathOf("learning")}`,
    proxy: () => [bare.child.pid],
    probe: bareProbe,
  };
  const fastifyTarget: Target | null = fastify
    ? {
        label: "fastify-http-proxy",
        url: `http://127.0.0.1:${fastify.port}${pathOf("learning")}`,
        proxy: () => [fastify.child.pid],
      }
    : null;
  const nginxTargets: Target[] = nginx.map((n) => ({
    label: `nginx (${n.workers} worker${n.workers > 1 ? "s" : ""})`,
    url: `http://127.0.0.1:${n.port}${pathOf("learning")}`,
    proxy: n.pids,
  }));
  const migrated: Target = {
    ...gatewayTarget("gateway migrated", "learning", ["learning"]),
    probe,
  };
  const canary = gatewayTarget("gateway canary", "identity", ["identity", "legacy-runtime"]);
  const shadow = gatewayTarget("gateway shadow", "reputation", ["legacy-runtime"]);
  const shadowSampled = gatewayTarget(`gateway shadow ${SAMPLED_SHADOW_PERCENT} %`, "governance", [
    "legacy-runtime",
  ]);
  const twoWorkers: Target = {
    label: "gateway 2 workers",
    url: `${gateway2.url}${pathOf("learning")}`,
    proxy: gateway2.pids,
    answeredBy: ["learning"],
  };
  const targets = [
    direct,
    ...nginxTargets,
    bareTarget,
    ...(fastifyTarget ? [fastifyTarget] : []),
    migrated,
    canary,
    shadow,
    shadowSampled,
    twoWorkers,
  ];
  for (const note of await preflight(targets, upstreamUrl)) console.log(`  checked: ${note}`);

  const rows: Row[] = [];
  for (const target of targets) {
    if (ONLY.length > 0 && !ONLY.some((part) => target.label.includes(part))) continue;
    rows.push(await runTarget(target, upstream.child.pid));
  }
  printTable(`as fast as possible, ${CONNECTIONS} connections (closed loop):`, rows);
  const rps = (target: Target | null) =>
    rows.find((row) => row.target === target)?.result.rps ?? Number.NaN;

  console.log("\nratios (same run):");
  const ratio = (label: string, a: number, b: number, goal: number) =>
    console.log(
      `  ${label.padEnd(44)} ${fmt(a / b)}  (goal ≥ ${fmt(goal)}): ${verdict(a / b >= goal)}`,
    );
  ratio("gateway migrated ÷ bare node:http+undici", rps(migrated), rps(bareTarget), GOALS.bare);
  if (fastifyTarget)
    ratio(
      "gateway migrated ÷ fastify-http-proxy",
      rps(migrated),
      rps(fastifyTarget),
      GOALS.fastify,
    );
  else
    console.log(
      `  ${"gateway migrated ÷ fastify-http-proxy".padEnd(44)} n/a (${FASTIFY_PROXY} not installed)`,
    );
  ratio("gateway canary ÷ gateway migrated", rps(canary), rps(migrated), GOALS.modes);
  ratio("gateway shadow ÷ gateway migrated", rps(shadow), rps(migrated), GOALS.modes);
  ratio(
    `gateway shadow ${SAMPLED_SHADOW_PERCENT} % mirrored ÷ gateway migrated`,
    rps(shadowSampled),
    rps(migrated),
    GOALS.modes,
  );
  console.log(
    `  ${"gateway 2 workers ÷ gateway 1 worker".padEnd(44)} ${fmt(rps(twoWorkers) / rps(migrated))}`,
  );
  if (nginxTargets.length === 2) {
    console.log(
      `  ${"nginx 2 workers ÷ nginx 1 worker".padEnd(44)} ${fmt(rps(nginxTargets[1] ?? null) / rps(nginxTargets[0] ?? null))}`,
    );
    console.log(
      `  ${"gateway migrated ÷ nginx 1 worker".padEnd(44)} ${fmt(rps(migrated) / rps(nginxTargets[0] ?? null))}`,
    );
  }
  const allocation = probe.stats.bytesPerRequest;
  console.log(
    `  ${"bare node:http+undici allocation (beyond idle)".padEnd(44)} ${fmt(bareProbe.stats.bytesPerRequest / 1024)} KB  (the floor of node:http + undici here)`,
  );
  console.log(
    `  ${"gateway allocation per request (beyond idle)".padEnd(44)} ${fmt(allocation / 1024)} KB  (goal ≤ ${GOALS.allocationBytes / 1024} KB): ${verdict(allocation <= GOALS.allocationBytes)}`,
  );
  console.log(
    `  ${"  (all of its allocation, idle work included)".padEnd(44)} ${fmt(probe.stats.grossBytesPerRequest / 1024)} KB`,
  );
  console.log(
    `  ${"gateway GC time share (migrated, saturated)".padEnd(44)} ${fmt(probe.stats.gcShare * 100, 1)} %`,
  );

  const rate =
    FIXED_RATE === "auto"
      ? Math.max(100, Math.floor(rps(migrated) / 3 / 100) * 100)
      : Number(FIXED_RATE);
  if (rate > 0) {
    const openTargets = [direct, ...nginxTargets.slice(0, 1), bareTarget, migrated];
    const fixed: Row[] = [];
    for (const target of openTargets) fixed.push(await runTarget(target, upstream.child.pid, rate));
    printTable(
      `the same offered load for all: ${rate} requests/s, evenly spaced (open loop), ${CONNECTIONS} connections` +
        `${FIXED_RATE === "auto" ? " (a third of the gateway's maximum above)" : ""}:`,
      fixed,
    );
    const base = fixed[0]?.result;
    for (const row of fixed.slice(1)) {
      if (!base) break;
      if (row.result.rps < rate * 0.95) {
        console.log(
          `  WARNING ${row.target.label} served ${fmt(row.result.rps, 0)} of ${rate} requests/s: it fell behind`,
        );
      }
      const added = row.result.p99Ms - base.p99Ms;
      const goal =
        row.target === migrated
          ? ` (goal ≤ ${GOALS.addedP99Ms} ms): ${verdict(added <= GOALS.addedP99Ms)}`
          : "";
      console.log(
        `  ${row.target.label} adds over direct: p50 ${signed(row.result.p50Ms - base.p50Ms)} ms, p99 ${signed(added)} ms${goal}`,
      );
    }
  }

  if (FLOOD) await floodPhase(migrated, gateway.url, upstream.child.pid);
  console.log(
    `\n  load average after the run: ${loadavg()
      .map((v) => v.toFixed(2))
      .join(" ")}`,
  );
}

/** Good requests alone, then beside a flood of requests the gateway answers itself. */
async function floodPhase(migrated: Target, gatewayUrl: string, upstreamPid: number) {
  const half = Math.max(1, Math.floor(CONNECTIONS / 2));
  const good: Target = { ...migrated, probe: undefined, runtime: undefined };
  const goodAlone = await runTarget(good, upstreamPid, undefined, half);
  const { value: goodFlooded, flood } = await withFlood(gatewayUrl, () =>
    runTarget(good, upstreamPid, undefined, half),
  );
  goodFlooded.target = { ...goodFlooded.target, label: "good, beside the flood" };
  goodAlone.target = { ...goodAlone.target, label: "good alone" };
  printTable(
    `good requests (gateway migrated, ${half} connections), alone and beside a flood of bad ones on ${Math.floor(CONNECTIONS / 2)} more:`,
    [goodAlone, goodFlooded],
  );
  console.log(
    `  flood: ${flood.requests ?? "?"} bad requests answered by the gateway itself, by status ${JSON.stringify(flood.statuses ?? {})}`,
  );
  console.log(
    `  good throughput beside the flood ÷ alone: ${fmt(goodFlooded.result.rps / goodAlone.result.rps)}; ` +
      `p99 ${fmt(goodAlone.result.p99Ms)} → ${fmt(goodFlooded.result.p99Ms)} ms (the flood takes CPU from the same 2 cores)`,
  );
}

try {
  await main();
} catch (error) {
  console.error(`\nbenchmark failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
