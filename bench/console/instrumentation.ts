/**
 * Instrumentation overhead (issue 9, "Benchmark"): `npx tsx bench/console/instrumentation.ts`,
 * with PostgreSQL and Redis on localhost (or TEST_DATABASE_URL / TEST_REDIS_URL).
 *
 * Three copies of the same pair run side by side: the API gateway in front of the learning
 * service, each a real process started as the launcher starts it (node --import tsx --import
 * lib/observability/preload.ts). "off": no OTEL_EXPORTER_OTLP_ENDPOINT (nothing registered).
 * "on": the endpoint set to an OTLP/HTTP receiver in a third process (./instrumentation-receiver.ts):
 * http, undici, pg, ioredis, Fastify and pino instrumented, every request sampled and exported.
 * A third pair samples 10 % of the traces (OTEL_TRACES_SAMPLER_ARG=0.1, BENCH_SAMPLED_RATIO), the
 * setting for a loaded production. Two targets, each measured in every mode, the order turning
 * each round (BENCH_ROUNDS rounds):
 *   - the gateway: GET /api/learning/v1/interactions?limit=20 through the gateway to learning;
 *   - the service: the same GET straight to learning, with a service JWT.
 * autocannon closed loop, BENCH_CONNECTIONS (20) connections, BENCH_WARMUP_S (2) s warm-up,
 * BENCH_DURATION_S (8) s measured. Printed: requests/s and p50/p99 per run, the on/off throughput
 * ratio per target (median of the rounds), target: at most 15 % lower (ratio ≥ 0.85).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import pg from "pg";
import { type Child, cpuSeconds, freePort, startChild, waitUntil } from "@/bench/gateway/processes";
import { issueServiceToken } from "@/lib/auth/issue-service-token";
import { sharedSecretKey } from "@/lib/auth/service-keys";
import { DOMAIN_NAMES } from "@/lib/contracts/domains";
import { createTestDatabase, testServerUrl } from "@/lib/testing/test-database";

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const SECRET = `bench-otel-secret-${randomBytes(16).toString("hex")}`;
const PRELOAD = path.resolve("lib/observability/preload.ts");
const PATH = "/api/learning/v1/interactions?limit=20";
const TARGET_RATIO = 0.85;

/** off: no endpoint; on: every trace recorded; sampled: 10 % of traces (OTEL_TRACES_SAMPLER_ARG=0.1). */
type Mode = "off" | "on" | "sampled";
const MODES: readonly Mode[] = ["off", "on", "sampled"];
const SAMPLED_RATIO = process.env.BENCH_SAMPLED_RATIO ?? "0.1";
type Pair = { gateway: Child & { port: number }; learning: Child & { port: number } };
type Run = { rps: number; p50: number; p99: number; failed: number; cpuPerRequestUs: number };

const cleanups: Array<{ name: string; run: () => Promise<void> }> = [];
async function cleanUp(): Promise<void> {
  for (const step of cleanups.splice(0).reverse()) {
    await step.run().catch((error) => console.error(`cleanup of ${step.name}: ${error.message}`));
  }
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}

function startTraced(
  name: string,
  entry: string,
  env: Record<string, string>,
): Promise<Child & { port: number }> {
  return (async () => {
    const port = await freePort();
    const child = startChild(
      name,
      process.execPath,
      ["--import", "tsx", "--import", PRELOAD, entry],
      {
        env: {
          ...process.env,
          DATABASE_URL: testServerUrl(),
          REDIS_URL,
          KEIKO_KEY_PREFIX: `bench:otel:${randomBytes(3).toString("hex")}:`,
          SERVICE_TOKEN_SECRET: SECRET,
          LOG_LEVEL: "warn",
          HOST: "127.0.0.1",
          PORT: String(port),
          OTEL_SERVICE_NAME: name.replace(/ .*/, ""),
          ...env,
        },
      },
    );
    cleanups.push({ name, run: () => child.stop("SIGTERM", 8_000) });
    await waitUntil(
      child,
      "a ready /readyz",
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
      90_000,
    );
    return Object.assign(child, { port });
  })();
}

async function seedLearning(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const [tutor, student] = [randomUUID(), randomUUID()];
  await client.query(
    `insert into known_users (user_id, roles, registered_at) values ($1, '{tutor}', now()), ($2, '{student}', now())`,
    [tutor, student],
  );
  await client.query(
    `insert into interactions (id, type, content, duration_seconds, tutor_id, student_id, occurred_at)
     select gen_random_uuid(), 'lesson', 'lesson ' || i, 600, $1, $2, now() from generate_series(1, 50) i`,
    [tutor, student],
  );
  await client.end();
}

async function startPair(mode: Mode, endpoint: string): Promise<Pair> {
  const [learningDb, controlDb] = await Promise.all([
    createTestDatabase("learning"),
    createTestDatabase("control"),
  ]);
  cleanups.push({
    name: `databases (${mode})`,
    run: async () => void (await Promise.all([learningDb.drop(), controlDb.drop()])),
  });
  await seedLearning(learningDb.url);
  const telemetry = {
    OTEL_EXPORTER_OTLP_ENDPOINT: mode === "off" ? "" : endpoint,
    OTEL_TRACES_SAMPLER_ARG: mode === "sampled" ? SAMPLED_RATIO : "1",
  };
  const learning = await startTraced(`learning (${mode})`, "services/learning/main.ts", {
    ...telemetry,
    LEARNING_DATABASE: learningDb.name,
  });
  const client = new pg.Client({ connectionString: controlDb.url });
  await client.connect();
  for (const name of DOMAIN_NAMES) {
    const url = name === "learning" ? `http://127.0.0.1:${learning.port}` : "http://127.0.0.1:9";
    await client.query(
      `insert into domains (name, display_name, path_prefix, legacy_url, service_url, state, canary_weight)
       values ($1, $1, $2, $3, $3, $4, $5)`,
      [
        name,
        `/api/${name}`,
        url,
        name === "learning" ? "migrated" : "legacy",
        name === "learning" ? 100 : 0,
      ],
    );
  }
  await client.end();
  const gateway = await startTraced(`api-gateway (${mode})`, "services/api-gateway/main.ts", {
    ...telemetry,
    CONTROL_DATABASE: controlDb.name,
  });
  return { gateway, learning };
}

async function load(url: string, headers: Record<string, string>, seconds: number) {
  return autocannon({
    url,
    headers,
    connections: CONNECTIONS,
    pipelining: 1,
    timeout: 10,
    duration: seconds,
  });
}

/** One measured run: warm-up, then DURATION_S seconds; CPU of the pair's processes meanwhile. */
async function measure(url: string, headers: Record<string, string>, pids: number[]): Promise<Run> {
  await load(url, headers, WARMUP_S);
  const cpuBefore = cpuSeconds(pids);
  const result = await load(url, headers, DURATION_S);
  const cpu = cpuSeconds(pids) - cpuBefore;
  const answered = result["2xx"];
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: result.non2xx + result.errors + result.timeouts,
    cpuPerRequestUs: answered > 0 ? (cpu / answered) * 1e6 : Number.NaN,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

async function main(): Promise<void> {
  console.log("Instrumentation overhead (issue 9): tracing on (exported) against off, same run");
  console.log(
    `  machine: ${cpus().length} CPUs, load average ${loadavg()
      .map((v) => v.toFixed(2))
      .join(" ")} before the run; Node ${process.version}`,
  );
  console.log(
    `  load: autocannon, ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s measured per run, ${ROUNDS} rounds; GET ${PATH}`,
  );
  console.log(
    "  note: the CPUs are shared by the load generator, the gateway, the service, PostgreSQL, the\n" +
      "  receiver and any other work on this host; off and on alternate so drift hits both alike.",
  );

  let receiverInfo: { endpoint?: string; requests?: number; spans?: number } = {};
  const receiver = startChild(
    "otlp-receiver",
    process.execPath,
    ["--import", "tsx", "bench/console/instrumentation-receiver.ts"],
    {
      onLine: (line) => {
        if (line.startsWith("{")) receiverInfo = { ...receiverInfo, ...JSON.parse(line) };
      },
    },
  );
  cleanups.push({ name: "otlp-receiver", run: () => receiver.stop() });
  await waitUntil(
    receiver,
    "its endpoint",
    async () => receiverInfo.endpoint !== undefined,
    30_000,
  );

  const endpoint = receiverInfo.endpoint ?? "";
  const pairs: Record<Mode, Pair> = {
    off: await startPair("off", endpoint),
    on: await startPair("on", endpoint),
    sampled: await startPair("sampled", endpoint),
  };
  const token = await issueServiceToken({
    key: sharedSecretKey(SECRET),
    subject: "api-gateway",
    audience: "learning",
    serviceType: "gateway",
    permissions: ["learning:read"],
    lifetimeSeconds: 3_600,
  });
  type Target = {
    label: string;
    url: (pair: Pair) => string;
    headers: Record<string, string>;
    pids: (pair: Pair) => number[];
  };
  const targets: Target[] = [
    {
      label: "gateway → learning",
      url: (pair: Pair) => `http://127.0.0.1:${pair.gateway.port}${PATH}`,
      headers: {},
      pids: (pair: Pair) => [pair.gateway.pid, pair.learning.pid],
    },
    {
      label: "learning (direct)",
      url: (pair: Pair) => `http://127.0.0.1:${pair.learning.port}${PATH}`,
      headers: { authorization: `Bearer ${token}` },
      pids: (pair: Pair) => [pair.learning.pid],
    },
  ];
  for (const target of targets) {
    for (const mode of MODES) {
      const response = await fetch(target.url(pairs[mode]), { headers: target.headers });
      if (response.status !== 200) {
        throw new Error(`${target.label} (${mode}): ${response.status} ${await response.text()}`);
      }
    }
  }

  const runs = new Map<string, Record<Mode, Run[]>>();
  for (let round = 0; round < ROUNDS; round += 1) {
    // the order turns each round, so drift in the machine's load hits every mode alike
    const order = MODES.map((_, i) => MODES[(i + round) % MODES.length] as Mode);
    for (const target of targets) {
      const entry = runs.get(target.label) ?? { off: [], on: [], sampled: [] };
      runs.set(target.label, entry);
      for (const mode of order) {
        const pair = pairs[mode];
        const run = await measure(target.url(pair), target.headers, target.pids(pair));
        entry[mode].push(run);
        console.log(
          `  round ${round + 1} ${target.label.padEnd(20)} ${mode.padEnd(7)} ${run.rps.toFixed(0).padStart(6)} req/s` +
            `  p50 ${String(run.p50).padStart(3)} ms  p99 ${String(run.p99).padStart(3)} ms` +
            `  CPU ${run.cpuPerRequestUs.toFixed(0).padStart(5)} µs/req${run.failed ? `  FAILED ${run.failed}` : ""}`,
        );
      }
    }
  }
  await receiver.stop();
  console.log(
    `\n  receiver: ${receiverInfo.requests ?? "?"} export requests, ${receiverInfo.spans ?? "?"} spans (tracing on only)`,
  );
  console.log(
    `\n  throughput with tracing / without (median of the rounds), target ≥ ${TARGET_RATIO} (at most 15 % lower):`,
  );
  for (const [label, entry] of runs) {
    for (const mode of ["on", "sampled"] as const) {
      const ratio = median(entry[mode].map((r) => r.rps)) / median(entry.off.map((r) => r.rps));
      const cpu =
        median(entry[mode].map((r) => r.cpuPerRequestUs)) /
        median(entry.off.map((r) => r.cpuPerRequestUs));
      const what = mode === "on" ? "every trace" : `${Number(SAMPLED_RATIO) * 100} % sampled`;
      console.log(
        `  ${label.padEnd(20)} ${what.padEnd(13)} ${ratio.toFixed(3)}  ${ratio >= TARGET_RATIO ? "MET" : "NOT MET"}` +
          `   (CPU per request: ${cpu.toFixed(2)}× off)`,
      );
    }
  }
}

try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
} finally {
  await cleanUp();
}
