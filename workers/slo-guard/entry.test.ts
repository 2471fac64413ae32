import { spawn } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { testRedisUrl, uniquePrefix } from "@/lib/events/testing/harness";
import {
  type FakeControlPlane,
  guardDomain,
  startFakeControlPlane,
} from "./testing/fake-control-plane";

const ENTRY = path.join(import.meta.dirname, "..", "slo-guard.ts");
const SECRET = "slo-guard-test-secret-0123456789abcdef";

/** Runs workers/slo-guard.ts with `env`; resolves with its exit code, output, and a way in. */
function runEntry(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", ENTRY], {
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    cwd: process.cwd(),
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += String(chunk);
  });
  child.stderr.on("data", (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe("workers/slo-guard.ts", () => {
  let controlPlane: FakeControlPlane | null = null;
  afterEach(async () => {
    await controlPlane?.close();
    controlPlane = null;
  });

  it("stops with one line naming the variable when the configuration is bad", async () => {
    const run = runEntry({ SERVICE_TOKEN_SECRET: SECRET, GUARD_INTERVAL_MS: "soon" });
    expect(await run.exited).toBe(1);
    const lines = run.output().stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^slo-guard: invalid configuration: GUARD_INTERVAL_MS: /);
  });

  it("starts, reads the guard state, and exits 0 on SIGTERM", async () => {
    controlPlane = await startFakeControlPlane({
      serviceTokenSecret: SECRET,
      domains: [guardDomain("learning")],
    });
    const run = runEntry({
      SERVICE_TOKEN_SECRET: SECRET,
      CONTROL_PLANE_URL: controlPlane.url,
      REDIS_URL: testRedisUrl(),
      KEIKO_KEY_PREFIX: uniquePrefix(),
    });
    await expect
      .poll(() => run.output().stdout, { timeout: 20_000, interval: 50 })
      .toContain("slo-guard started");
    expect(run.output().stdout).toContain('"stateRead":true');
    expect(controlPlane.guardStateReads).toBeGreaterThan(0);
    const stoppingAt = Date.now();
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    expect(Date.now() - stoppingAt).toBeLessThan(3_000);
    expect(run.output().stdout).toContain('"signal":"SIGTERM"');
  });
});
