/**
 * Gateway benchmark (issue 4, "Benchmark"): `npx tsx bench/gateway/run.ts`, with PostgreSQL and
 * Redis on localhost (or TEST_DATABASE_URL / TEST_REDIS_URL) and nginx installed (Debian package
 * nginx-light or nginx; NGINX_BIN to point elsewhere; without it the nginx row is skipped).
 *
 * Everything in one run, on loopback, against the same upstream (bench/gateway/upstream.ts, a
 * node:http keep-alive server answering a fixed ~200-byte JSON body, in a child process):
 *   1. direct to the upstream;
 *   2. through the API gateway (services/api-gateway/main.ts in a child process, its routing
 *      table in a keiko_control database of its own, `learning` migrated at 100 % to the
 *      upstream): path /api/learning/v1/…, so it routes, signs/attaches the service JWT, adds
 *      traceparent and X-Forwarded-*, goes through the breaker, records its statistics;
 *   3. through nginx (one worker, proxy_pass to an upstream block with keepalive 64).
 * autocannon, BENCH_CONNECTIONS (50) connections, BENCH_WARMUP_S (2) s of warm-up then
 * BENCH_DURATION_S (10) s measured per target. Printed: requests/s, p50/p99 latency, the
 * gateway/nginx throughput ratio (target ≥ 0.70) and the latency the gateway adds over direct
 * (target: p99 ≤ 2 ms). Then the same three at one offered load, evenly paced (BENCH_FIXED_RATE
 * requests/s, by default a third of the gateway's maximum just measured; 0 skips it), where the
 * latencies are not set by how fast each proxy saturates (see ./load.ts). The load generator, the proxies and the upstream share this
 * machine's cores; the CPU columns say how much each used (and how much other work on the host
 * took), and the gateway's rows add its event-loop delay and GC pauses from its /metrics.
 * BENCH_GATEWAY_NODE_ARGS passes extra node flags to the gateway (e.g. `--cpu-prof
 * --cpu-prof-dir=/tmp/gw-prof` to profile it). Every child process, the test database and the
 * Redis keys are removed at the end, on error and on Ctrl-C too.
 */
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import { Redis } from "ioredis";
import pg from "pg";
import { DEFAULT_LEGACY_PORT, DEFAULT_SERVICE_PORTS, DOMAIN_NAMES } from "@/lib/contracts/domains";
import { createTestDatabase, testServerUrl } from "@/lib/testing/test-database";
import { type Measured, measure } from "./load";
import { findNginx, type Nginx, nginxVersion, startNginx } from "./nginx";
import { type Child, freePort, startChild, waitUntil } from "./processes";
import { gatewayRuntimeWindow, type RuntimeWindow } from "./runtime-metrics";

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 2);
const FIXED_RATE = process.env.BENCH_FIXED_RATE ?? "auto";
/** Extra node flags for the gateway, e.g. `--cpu-prof --cpu-prof-dir=/tmp/gw-prof`. */
const GATEWAY_NODE_ARGS = (process.env.BENCH_GATEWAY_NODE_ARGS ?? "").split(" ").filter(Boolean);
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const SECRET = `bench-gateway-secret-${randomBytes(16).toString("hex")}`;
const DOMAIN = "learning";
const PATH = `/api/${DOMAIN}/v1/courses?page=1`;

const TARGET_RATIO = 0.7;
const TARGET_ADDED_P99_MS = 2;

type Target = {
  label: string;
  url: string;
  /** The proxy's processes, for CPU time (none when direct). */
  proxy: () => number[];
  /** The proxy's own runtime view of a measured run (the gateway's metrics). */
  runtime?: () => RuntimeWindow;
};
type Row = { target: Target; result: Measured; runtime?: string };

const cleanups: Array<{ name: string; run: () => Promise<void> }> = [];
let cleaning: Promise<void> | null = null;

/** Runs every cleanup once, newest first; an error in one does not stop the others. */
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

const fmt = (value: number | null, digits = 2) =>
  value === null || Number.isNaN(value) ? "n/a" : value.toFixed(digits);
const pct = (value: number | null) => (value === null ? "  n/a" : `${Math.round(value * 100)}%`);

async function insertDomains(databaseUrl: string, upstreamUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const name of DOMAIN_NAMES) {
      const measured = name === DOMAIN;
      await client.query(
        `insert into domains (name, display_name, path_prefix, legacy_url, service_url, state, canary_weight)
         values ($1, $1, $2, $3, $4, $5, $6)`,
        [
          name,
          `/api/${name}`,
          measured ? upstreamUrl : `http://127.0.0.1:${DEFAULT_LEGACY_PORT}`,
          measured ? upstreamUrl : `http://127.0.0.1:${DEFAULT_SERVICE_PORTS[name]}`,
          measured ? "migrated" : "legacy",
          measured ? 100 : 0,
        ],
      );
    }
  } finally {
    await client.end();
  }
}

async function startUpstream(): Promise<{ child: Child; port: number; bodyBytes: number }> {
  let ready: { port: number; bodyBytes: number } | null = null;
  const child = startChild(
    "upstream",
    process.execPath,
    ["--import", "tsx", "bench/gateway/upstream.ts"],
    {
      onLine: (line) => {
        if (!ready && line.startsWith("{")) ready = JSON.parse(line);
      },
    },
  );
  cleanups.push({ name: "upstream", run: () => child.stop() });
  await waitUntil(child, "its port", async () => ready !== null, 15_000);
  const { port, bodyBytes } = ready as unknown as { port: number; bodyBytes: number };
  return { child, port, bodyBytes };
}

async function startGateway(
  databaseName: string,
  prefix: string,
): Promise<Child & { port: number }> {
  const port = await freePort();
  const child = startChild(
    "api-gateway",
    process.execPath,
    [...GATEWAY_NODE_ARGS, "--import", "tsx", "services/api-gateway/main.ts"],
    {
      env: {
        ...process.env,
        DATABASE_URL: testServerUrl(),
        CONTROL_DATABASE: databaseName,
        REDIS_URL,
        KEIKO_KEY_PREFIX: prefix,
        SERVICE_TOKEN_SECRET: SECRET,
        HOST: "127.0.0.1",
        PORT: String(port),
        LOG_LEVEL: "warn",
      },
    },
  );
  cleanups.push({ name: "api-gateway", run: () => child.stop("SIGTERM", 12_000) });
  await waitUntil(
    child,
    "a ready /readyz",
    async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
    60_000,
  );
  return Object.assign(child, { port });
}

function jwtClaims(authorization: string | undefined): Record<string, unknown> | null {
  const token = authorization?.replace(/^Bearer /, "");
  const payload = token?.split(".")[1];
  if (!payload) return null;
  try {
    return JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return null;
  }
}

/** One request through each target: same answer as direct; the gateway's forwarded headers. */
async function preflight(targets: Target[], upstreamUrl: string): Promise<string[]> {
  const notes: string[] = [];
  const direct = await fetch(`${upstreamUrl}${PATH}`);
  const expected = await direct.text();
  for (const target of targets) {
    const response = await fetch(target.url);
    const body = await response.text();
    if (response.status !== 200 || body !== expected) {
      throw new Error(
        `${target.label}: expected 200 and the upstream's body, got ${response.status}: ${body.slice(0, 300)}`,
      );
    }
    if (target.label.startsWith("gateway")) {
      const upstream = response.headers.get("x-keiko-upstream");
      if (upstream !== DOMAIN) {
        throw new Error(`gateway: answered by ${upstream}, expected the ${DOMAIN} service`);
      }
      const seen = (await (await fetch(`${upstreamUrl}/__bench/last-headers`)).json()) as Record<
        string,
        string | undefined
      >;
      const claims = jwtClaims(seen.authorization);
      if (!claims || !seen.traceparent || !seen["x-forwarded-for"]) {
        throw new Error(`gateway: the upstream did not get a service JWT, traceparent and XFF`);
      }
      notes.push(
        `gateway → upstream carries: Bearer JWT (aud=${String(claims.aud)}, sub=${String(claims.sub)}), ` +
          `traceparent, x-forwarded-for/proto/host; answered by x-keiko-upstream: ${upstream}`,
      );
    }
  }
  return notes;
}

function printTable(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  console.log(
    `  ${"target".padEnd(20)}${"req/s".padStart(8)}${"p50 ms".padStart(8)}${"p99 ms".padStart(8)}` +
      `${"max ms".padStart(8)}${"failed".padStart(8)}   CPU (100% = 1 core): ${"loadgen".padStart(7)}` +
      `${"proxy".padStart(7)}${"upstr.".padStart(7)}${"others".padStart(7)}${"machine".padStart(8)}` +
      `${"proxy µs/req".padStart(14)}`,
  );
  for (const { target, result: r } of rows) {
    const failed = r.non2xx + r.errors + r.timeouts;
    console.log(
      `  ${target.label.padEnd(20)}${fmt(r.rps, 0).padStart(8)}${fmt(r.p50Ms).padStart(8)}` +
        `${fmt(r.p99Ms).padStart(8)}${fmt(r.maxMs, 1).padStart(8)}${String(failed).padStart(8)}` +
        `${"".padStart(24)}${pct(r.cpu.loadgen).padStart(7)}${pct(r.cpu.proxy).padStart(7)}` +
        `${pct(r.cpu.upstream).padStart(7)}${pct(r.cpu.others).padStart(7)}${pct(r.cpu.machine).padStart(8)}` +
        `${fmt(r.proxyCpuMicrosPerRequest, 0).padStart(14)}`,
    );
  }
  for (const { target, result: r, runtime } of rows) {
    if (runtime) console.log(`  ${target.label} runtime: ${runtime}`);
    if (r.non2xx + r.errors + r.timeouts > 0) {
      console.log(
        `  WARNING ${target.label}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`,
      );
    }
  }
}

const verdict = (met: boolean) => (met ? "MET" : "NOT MET");
const signed = (v: number) => (v >= 0 ? `+${fmt(v)}` : fmt(v));

function addedLine(label: string, over: Measured, base: Measured): string {
  return (
    `  latency ${label} adds over direct: p50 ${signed(over.p50Ms - base.p50Ms)} ms, ` +
    `p99 ${signed(over.p99Ms - base.p99Ms)} ms`
  );
}

/** Measures every target in turn with the same load. */
async function runPhase(targets: Target[], upstreamPid: number, rate?: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const target of targets) {
    const runtime = target.runtime?.();
    const result = await measure(
      {
        url: target.url,
        connections: CONNECTIONS,
        durationS: DURATION_S,
        warmupS: WARMUP_S,
        rate,
      },
      { proxy: target.proxy, upstream: () => [upstreamPid] },
      runtime?.start,
    );
    rows.push({ target, result, runtime: await runtime?.finish() });
  }
  return rows;
}

async function main(): Promise<void> {
  const cores = cpus().length;
  const nginxBin = findNginx();
  const autocannonVersion = (
    createRequire(import.meta.url)("autocannon/package.json") as { version: string }
  ).version;
  console.log("API gateway benchmark (issue 4): loopback, one run, same upstream");
  console.log(
    `  machine: ${cores} CPUs, load average ${loadavg()
      .map((v) => v.toFixed(2))
      .join(" ")} before the run; Node ${process.version}; ` +
      `${nginxBin ? nginxVersion(nginxBin) : "nginx not installed"}; autocannon ${autocannonVersion}`,
  );
  console.log(
    `  load: ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s measured per target, GET ${PATH}`,
  );
  console.log(
    `  note: the ${cores} CPUs are shared: the load generator (autocannon, one Node thread), the proxy\n` +
      "  under test and the upstream run on the same cores, and so does any other work on this host\n" +
      '  ("others" below). Absolute figures are lower than on dedicated cores; both proxies are measured\n' +
      '  under the same contention, and "proxy µs/req" (CPU time per request) does not depend on it much.',
  );

  // no reconnection loop: an unreachable Redis fails the run at once
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

  const upstream = await startUpstream();
  const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
  await insertDomains(database.url, upstreamUrl);
  console.log(
    `  upstream: node:http keep-alive, ${upstream.bodyBytes}-byte JSON body, pid ${upstream.child.pid}`,
  );

  const gateway = await startGateway(database.name, prefix);
  const gatewayUrl = `http://127.0.0.1:${gateway.port}`;
  console.log(
    `  gateway: node --import tsx services/api-gateway/main.ts, pid ${gateway.pid}; ${DOMAIN} migrated (100 %) ` +
      "to the upstream, the 5 other domains on legacy; production defaults otherwise (LOG_LEVEL=warn)",
  );

  let nginx: (Nginx & { port: number }) | null = null;
  if (nginxBin) {
    const port = await freePort();
    const started = Object.assign(await startNginx(nginxBin, port, upstream.port, PATH), { port });
    nginx = started;
    cleanups.push({ name: "nginx", run: () => started.stop() });
    console.log(
      `  nginx: ${nginxBin}, worker_processes 1, upstream keepalive 64, proxy_http_version 1.1, ` +
        `access_log off, pids ${started.pids().join(",")}`,
    );
  } else {
    console.log(
      "  nginx: NOT FOUND; it needs `apt-get install nginx-light` (or set NGINX_BIN); the nginx row is skipped",
    );
  }

  const targets: Target[] = [
    { label: "direct", url: `${upstreamUrl}${PATH}`, proxy: () => [] },
    {
      label: "gateway (migrated)",
      url: `${gatewayUrl}${PATH}`,
      proxy: () => (gateway.done ? [] : [gateway.pid]),
      runtime: () => gatewayRuntimeWindow(gatewayUrl),
    },
  ];
  if (nginx) {
    targets.push({
      label: "nginx (1 worker)",
      url: `http://127.0.0.1:${nginx.port}${PATH}`,
      proxy: nginx.pids,
    });
  }
  for (const note of await preflight(targets, upstreamUrl)) console.log(`  checked: ${note}`);

  const saturated = await runPhase(targets, upstream.child.pid);
  printTable(`as fast as possible, ${CONNECTIONS} connections (closed loop):`, saturated);

  const [direct, viaGateway, viaNginx] = saturated.map((row) => row.result);
  if (!direct || !viaGateway) throw new Error("missing measurements");
  console.log("");
  if (viaNginx) {
    const ratio = viaGateway.rps / viaNginx.rps;
    console.log(
      `  gateway / nginx throughput: ${fmt(ratio)} (target ≥ ${fmt(TARGET_RATIO)}): ${verdict(ratio >= TARGET_RATIO)}`,
    );
  } else {
    console.log("  gateway / nginx throughput: n/a (nginx not installed)");
  }
  console.log(addedLine("the gateway", viaGateway, direct));
  const addedP99 = viaGateway.p99Ms - direct.p99Ms;
  console.log(
    `  gateway added p99: ${signed(addedP99)} ms (target ≤ ${TARGET_ADDED_P99_MS} ms at ${CONNECTIONS} connections): ` +
      verdict(addedP99 <= TARGET_ADDED_P99_MS),
  );
  if (viaNginx) console.log(addedLine("nginx", viaNginx, direct));
  console.log(
    "  (closed loop: every connection waits for its answer, so at saturation latency ≈ connections ÷\n" +
      "   throughput, and most of the added latency is the slower proxy's queueing)",
  );

  const rate =
    FIXED_RATE === "auto"
      ? Math.max(100, Math.floor(viaGateway.rps / 3 / 100) * 100)
      : Number(FIXED_RATE);
  if (rate > 0) {
    const fixed = await runPhase(targets, upstream.child.pid, rate);
    printTable(
      `the same offered load for all: ${rate} requests/s, evenly spaced (open loop), over a pool of ` +
        `${CONNECTIONS} connections${FIXED_RATE === "auto" ? " (a third of the gateway's maximum above)" : ""}:`,
      fixed,
    );
    for (const { target, result } of fixed) {
      if (result.rps < rate * 0.95) {
        console.log(
          `  WARNING ${target.label} served ${fmt(result.rps, 0)} of the ${rate} requests/s offered: it fell ` +
            "behind (its share of the CPUs was too small at the time) and its latencies include the backlog",
        );
      }
    }
    const [fixedDirect, fixedGateway, fixedNginx] = fixed.map((row) => row.result);
    if (fixedDirect && fixedGateway) {
      console.log("");
      console.log(addedLine("the gateway", fixedGateway, fixedDirect));
      if (fixedNginx) console.log(addedLine("nginx", fixedNginx, fixedDirect));
    }
  }
  console.log(
    `\n  load average after the run: ${loadavg()
      .map((v) => v.toFixed(2))
      .join(" ")}`,
  );
  console.log(
    "  the issue's other benchmark figure, breach-to-rollback time, is printed by `npx tsx bench/slo-guard/run.ts`",
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
