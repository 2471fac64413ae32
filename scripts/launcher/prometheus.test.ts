import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { Counter } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createMetricsRegistry, registerHttpMetrics } from "@/lib/observability/metrics";
import { queryRange } from "@/server/metrics/prometheus-api";
import { WORKER_ADMIN_PORTS } from "./admin-ports";
import { pickPort } from "./free-port";
import { HTTP_SERVICES } from "./platform-processes";
import {
  findExecutableSync,
  localPrometheusUrl,
  PROMETHEUS_MISSING,
  prometheusEntry,
} from "./prometheus";
import { localScrapeTargets, RULES_FILE, type ScrapeTarget } from "./prometheus-config";
import { localPrometheus } from "./prometheus-stack";
import { stackProcesses } from "./stack";
import { Supervisor } from "./supervisor";
import { waitUntil } from "./wait-until";

const root = path.resolve(import.meta.dirname, "..", "..");
const systemPath = "/usr/local/bin:/usr/bin:/bin";

describe("localScrapeTargets", () => {
  it("names every process of npm start: services, gateway, workers' admin ports, console", () => {
    const targets = localScrapeTargets(3000);
    const jobs = targets.map((t) => t.job);
    expect(jobs).toEqual(
      expect.arrayContaining([
        ...HTTP_SERVICES.map((s) => s.name),
        "api-gateway",
        ...Object.keys(WORKER_ADMIN_PORTS),
        "console",
      ]),
    );
    expect(new Set(jobs).size).toBe(jobs.length);
    expect(targets).toContainEqual({ job: "identity", address: "127.0.0.1:8101" });
    expect(targets).toContainEqual({ job: "outbox-relay", address: "127.0.0.1:9101" });
    expect(targets).toContainEqual({ job: "console", address: "127.0.0.1:3000" });
  });
});

describe("localPrometheus", () => {
  it("starts none when PROMETHEUS_URL names another one, and hands that URL to the console", () => {
    const result = localPrometheus({
      root,
      consolePort: 3000,
      env: { PATH: systemPath, PROMETHEUS_URL: "http://prom.example:9090" },
    });
    expect(result.entries).toEqual([]);
    expect(result.consoleEnv).toEqual({ PROMETHEUS_URL: "http://prom.example:9090" });
  });

  it("says how to install it when prometheus is not on PATH, and starts nothing", () => {
    const result = localPrometheus({ root, consolePort: 3000, env: { PATH: "/nonexistent" } });
    expect(result.entries).toEqual([]);
    expect(result.note).toBe(PROMETHEUS_MISSING);
    expect(result.note).toContain("apt-get install prometheus");
  });

  it("starts one on PROMETHEUS_PORT with data under KEIKO_DATA_DIR", () => {
    const result = localPrometheus({
      root,
      consolePort: 3000,
      env: { PATH: systemPath, PROMETHEUS_PORT: "9191", KEIKO_DATA_DIR: "/tmp/keiko-data" },
    });
    expect(result.entries.map((e) => e.name)).toEqual(["prometheus"]);
    expect(result.consoleEnv).toEqual({ PROMETHEUS_URL: "http://127.0.0.1:9191" });
  });

  it("refuses a PROMETHEUS_PORT that is no port, in one line", () => {
    expect(() =>
      localPrometheus({ root, consolePort: 3000, env: { PROMETHEUS_PORT: "ninety" } }),
    ).toThrow(/PROMETHEUS_PORT: must be a port number/);
  });
});

describe("stackProcesses", () => {
  const context = (env: Record<string, string>) => ({
    root,
    port: 3000,
    host: "127.0.0.1",
    env,
    // every role gets the same URL: nothing connects here, the entries are only listed
    databaseUrls: new Proxy(
      {},
      { get: () => "postgres://role@127.0.0.1:5432/postgres" },
    ) as Parameters<typeof stackProcesses>[0]["databaseUrls"],
  });

  it("starts Prometheus first, so it scrapes every process from its first request on", () => {
    const names = stackProcesses(context({ PATH: systemPath })).map((e) => e.name);
    expect(names[0]).toBe("prometheus");
    expect(names).toContain("console");
  });

  it("starts none of its own when PROMETHEUS_URL names one", () => {
    const names = stackProcesses(
      context({ PATH: systemPath, PROMETHEUS_URL: "http://prom.example:9090" }),
    ).map((e) => e.name);
    expect(names).not.toContain("prometheus");
  });
});

/** A process like Keiko's services: a registry labelled with its name, served on /metrics. */
async function fakeProcess(name: string): Promise<{ app: FastifyInstance; target: ScrapeTarget }> {
  const registry = createMetricsRegistry(name);
  const app = Fastify();
  registerHttpMetrics(app, registry);
  const work = new Counter({ name: "test_work_total", help: "work done", registers: [registry] });
  app.get("/work", async () => {
    work.inc();
    return { ok: true };
  });
  const port = await pickPort(0);
  await app.listen({ port, host: "127.0.0.1" });
  return { app, target: { job: name, address: `127.0.0.1:${port}` } };
}

describe("prometheusEntry (a real Prometheus)", () => {
  const names = ["legacy-runtime", "learning", "api-gateway", "outbox-relay"];
  const supervisor = new Supervisor(() => {});
  const processes: Array<{ app: FastifyInstance; target: ScrapeTarget }> = [];
  let dir: string;
  let url: string;

  beforeAll(async () => {
    const command = findExecutableSync("prometheus", systemPath);
    if (!command) throw new Error("prometheus is not installed (apt-get install prometheus)");
    dir = await mkdtemp(path.join(tmpdir(), "keiko-prometheus-"));
    for (const name of names) processes.push(await fakeProcess(name));
    const port = await pickPort(0);
    url = localPrometheusUrl(port);
    await supervisor.start(
      prometheusEntry({
        command,
        dir,
        port,
        targets: processes.map((p) => p.target),
        ruleFiles: [path.join(root, RULES_FILE)],
        intervalSeconds: 1,
        write: () => {},
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await supervisor.stopAll();
    await Promise.all(processes.map((p) => p.app.close()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("writes a config with one job per process and the shared rules file", async () => {
    const config = parse(await readFile(path.join(dir, "prometheus.yml"), "utf8"));
    expect(config.rule_files).toEqual([path.join(root, RULES_FILE)]);
    expect(config.scrape_configs.map((job: { job_name: string }) => job.job_name)).toEqual(names);
  });

  it("scrapes every process's /metrics and records the console's series from them", async () => {
    const now = () => Math.floor(Date.now() / 1000);
    const range = () => ({ start: now() - 60, end: now(), stepSeconds: 1 });
    const seen = new Set<string>();
    // traffic for the HTTP recording rule, while we wait for the first samples (~6 s)
    const traffic = setInterval(() => {
      for (const p of processes) void p.app.inject({ url: "/work" });
    }, 200);
    try {
      await waitUntil(
        async () => {
          const result = await queryRange(url, { promql: "up == 1", ...range() });
          if (result.status !== "ok") return false;
          for (const s of result.series) if (s.labels.job) seen.add(s.labels.job);
          return names.every((name) => seen.has(name));
        },
        { what: "a sample from every process", timeoutMs: 40_000, intervalMs: 500 },
      );
      const perService = new Map<string, number>();
      await waitUntil(
        async () => {
          const result = await queryRange(url, {
            promql: "keiko:http_server_requests:rate1m",
            ...range(),
          });
          if (result.status !== "ok") return false;
          for (const s of result.series) {
            const last = s.points.at(-1);
            if (last && s.labels.service) perService.set(s.labels.service, last[1]);
          }
          return names.every((name) => (perService.get(name) ?? 0) > 0);
        },
        { what: "the HTTP recording rule for every process", timeoutMs: 40_000, intervalMs: 500 },
      );
    } finally {
      clearInterval(traffic);
    }
    expect([...seen].sort()).toEqual([...names].sort());
  }, 90_000);

  it("says Prometheus rejected a bad expression, with its message", async () => {
    const result = await queryRange(url, { promql: "sum(", start: 1, end: 2, stepSeconds: 1 });
    expect(result).toMatchObject({ status: "rejected", url });
    expect(result.status === "rejected" && result.message).toMatch(/parse error/);
  });
});
