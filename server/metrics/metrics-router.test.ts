import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DOMAIN_NAMES } from "@/lib/contracts/domains";
import { pickPort } from "@/scripts/launcher/free-port";
import {
  findExecutableSync,
  localPrometheusUrl,
  prometheusEntry,
} from "@/scripts/launcher/prometheus";
import { RULES_FILE } from "@/scripts/launcher/prometheus-config";
import { Supervisor } from "@/scripts/launcher/supervisor";
import { type ControlFixture, createControlFixture } from "@/server/testing/control-fixture";
import { QUERY_NAMES } from "./named-queries";
import { MAX_RANGE_SECONDS, MIN_RANGE_SECONDS, resolveRange, stepFor } from "./time-range";

const root = path.resolve(import.meta.dirname, "..", "..");
const hour = 3600;
let fx: ControlFixture;
let dir: string;
let url: string;
const supervisor = new Supervisor(() => {});

beforeAll(async () => {
  fx = await createControlFixture();
  const command = findExecutableSync("prometheus", "/usr/bin:/usr/local/bin");
  if (!command) throw new Error("prometheus is not installed (apt-get install prometheus)");
  dir = await mkdtemp(path.join(tmpdir(), "keiko-metrics-router-"));
  const port = await pickPort(0);
  url = localPrometheusUrl(port);
  await supervisor.start(
    prometheusEntry({
      command,
      dir,
      port,
      targets: [],
      ruleFiles: [path.join(root, RULES_FILE)],
      write: () => {},
    }),
  );
}, 60_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await supervisor.stopAll();
  if (dir) await rm(dir, { recursive: true, force: true });
  await fx?.close();
});

describe("time ranges", () => {
  it("spaces 15 minutes to 7 days into at most ~240 readable steps", () => {
    expect(stepFor(MIN_RANGE_SECONDS)).toBe(5);
    expect(stepFor(hour)).toBe(15);
    expect(stepFor(24 * hour)).toBe(600);
    expect(stepFor(MAX_RANGE_SECONDS)).toBe(3600);
    for (const seconds of [MIN_RANGE_SECONDS, hour, 6 * hour, 24 * hour, MAX_RANGE_SECONDS]) {
      const points = seconds / stepFor(seconds);
      expect(points).toBeGreaterThanOrEqual(100);
      expect(points).toBeLessThanOrEqual(250);
    }
    expect(resolveRange({ rangeSeconds: hour, end: 1_000_007 })).toEqual({
      start: 1_000_005 - hour,
      end: 1_000_005,
      stepSeconds: 15,
    });
  });
});

describe("metrics router", () => {
  it("runs every named query for every domain as valid PromQL against a real Prometheus", async () => {
    vi.stubEnv("PROMETHEUS_URL", url);
    for (const query of QUERY_NAMES) {
      for (const domain of DOMAIN_NAMES) {
        const result = await fx.viewer.metrics.range({ query, domain, rangeSeconds: hour });
        expect({ query, domain, status: result.status }).toEqual({ query, domain, status: "ok" });
        expect(result.stepSeconds).toBe(15);
      }
    }
    const catalog = await fx.viewer.metrics.status();
    expect(catalog.prometheus).toEqual({ reachable: true, url, version: expect.any(String) });
    expect(catalog.queries.map((q) => q.name)).toEqual([...QUERY_NAMES]);
    expect(JSON.stringify(catalog)).not.toContain("keiko:");
  });

  it("refuses names, domains and ranges outside its own list, in plain words", async () => {
    vi.stubEnv("PROMETHEUS_URL", url);
    const range = { rangeSeconds: hour };
    await expect(
      fx.viewer.metrics.range({ ...range, query: "up" as never, domain: "learning" }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("unknown query"),
    });
    await expect(
      fx.viewer.metrics.range({ ...range, query: "requestRate", domain: 'x"} or up{' as never }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("unknown domain"),
    });
    await expect(fx.viewer.metrics.range({ ...range, query: "latency" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "domain: this query needs a domain",
    });
    await expect(
      fx.viewer.metrics.range({ query: "consumerLag", rangeSeconds: 60 }),
    ).rejects.toMatchObject({ message: expect.stringContaining("at least 15 minutes") });
    await expect(
      fx.viewer.metrics.range({ query: "consumerLag", rangeSeconds: 8 * 24 * hour }),
    ).rejects.toMatchObject({ message: expect.stringContaining("at most 7 days") });
  });

  it("runs raw PromQL for admins only", async () => {
    vi.stubEnv("PROMETHEUS_URL", url);
    await expect(fx.viewer.metrics.raw({ promql: "up", rangeSeconds: hour })).rejects.toMatchObject(
      { code: "FORBIDDEN" },
    );
    await expect(
      fx.operator.metrics.raw({ promql: "up", rangeSeconds: hour }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await fx.admin.metrics.raw({ promql: "vector(1)", rangeSeconds: hour })).toMatchObject({
      status: "ok",
      series: [{ labels: {}, points: expect.arrayContaining([[expect.any(Number), 1]]) }],
    });
    expect(await fx.admin.metrics.raw({ promql: "sum(", rangeSeconds: hour })).toMatchObject({
      status: "rejected",
      message: expect.stringContaining("parse error"),
    });
  });

  it("says Prometheus is unreachable, with the URL it tried, instead of failing", async () => {
    const dead = localPrometheusUrl(await pickPort(0));
    vi.stubEnv("PROMETHEUS_URL", dead);
    const result = await fx.viewer.metrics.range({
      query: "requestRate",
      domain: "learning",
      rangeSeconds: hour,
    });
    expect(result).toMatchObject({ status: "unreachable", url: dead });
    expect(result.status === "unreachable" && result.message).toMatch(/no answer from Prometheus/);
    expect((await fx.viewer.metrics.status()).prometheus).toMatchObject({
      reachable: false,
      url: dead,
      message: expect.stringMatching(/^no answer/),
    });
  });
});
