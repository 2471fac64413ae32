import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  adminPortOf,
  eventually,
  type Spawned,
  spawnEntry,
  statusOf,
} from "./testing/spawned-process";

const running: Spawned[] = [];
afterEach(() => {
  for (const spawned of running.splice(0)) spawned.child.kill("SIGKILL");
});

function start(entry: string, env: Record<string, string>): Spawned {
  const spawned = spawnEntry(entry, env);
  running.push(spawned);
  return spawned;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

const serviceEnv = {
  DATABASE_URL: "postgres://postgres@127.0.0.1:5432/postgres",
  SERVICE_TOKEN_SECRET: "x".repeat(32),
};

describe("a service stopped with a request in flight", () => {
  it("turns /readyz 503, lets the request finish, and exits 0 within the bound", async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const service = start("lib/process/testing/slow-service.ts", {
      ...serviceEnv,
      PORT: String(port),
      SLOW_MS: "3000",
      SHUTDOWN_DELAY_MS: "1500",
      SHUTDOWN_TIMEOUT_MS: "10000",
    });
    await eventually(async () => (await statusOf(`${base}/readyz`)) === 200);

    const inFlight = fetch(`${base}/slow`).then(async (r) => ({
      status: r.status,
      body: await r.json(),
    }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const signalled = Date.now();
    service.child.kill("SIGTERM");

    await eventually(async () => (await statusOf(`${base}/readyz`)) === 503, 1_400);
    expect(await statusOf(`${base}/healthz`)).toBe(200);
    expect(await inFlight).toEqual({ status: 200, body: { finished: true } });
    const exit = await service.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - signalled).toBeLessThan(10_000);
    expect(service.output()).toContain("closed pools");
    // the request finished before the pools were closed
    expect(await statusOf(`${base}/readyz`)).toBe(0);
  }, 90_000);

  it("prints one line naming a bad variable and exits 1", async () => {
    const service = start("lib/process/testing/slow-service.ts", {
      ...serviceEnv,
      PORT: "3001",
      SHUTDOWN_TIMEOUT_MS: "soon",
    });
    const exit = await service.exited;
    expect(exit.code).toBe(1);
    expect(service.output().trim().split("\n")).toEqual([
      "slow-service: invalid configuration: SHUTDOWN_TIMEOUT_MS: must be a number of milliseconds",
    ]);
  }, 60_000);
});

describe("a worker stopped during a job", () => {
  it("serves its admin probes, turns /readyz 503, finishes the job and exits 0", async () => {
    const worker = start("lib/process/testing/slow-worker.ts", { JOB_MS: "2500" });
    const admin = `http://127.0.0.1:${await adminPortOf(worker)}`;
    await eventually(async () => (await statusOf(`${admin}/readyz`)) === 200);
    expect(await statusOf(`${admin}/healthz`)).toBe(200);
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    expect(metrics).toContain('process_cpu_user_seconds_total{service="slow-worker"}');

    await worker.line((l) => l.includes('"job started"'));
    const signalled = Date.now();
    worker.child.kill("SIGTERM");
    await eventually(async () => (await statusOf(`${admin}/readyz`)) === 503, 2_000);
    expect(await statusOf(`${admin}/healthz`)).toBe(200);

    const exit = await worker.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - signalled).toBeLessThan(10_000);
    const after = worker.output().slice(worker.output().indexOf("SIGTERM"));
    expect(after).toMatch(/job finished[\s\S]*closed pools[\s\S]*"stopped"/);
  }, 90_000);

  it("exits 1 at SHUTDOWN_TIMEOUT_MS when the drain takes longer", async () => {
    const worker = start("lib/process/testing/slow-worker.ts", {
      JOB_MS: "60000",
      SHUTDOWN_DELAY_MS: "0",
      SHUTDOWN_TIMEOUT_MS: "1500",
    });
    await worker.line((l) => l.includes('"job started"'));
    const signalled = Date.now();
    worker.child.kill("SIGTERM");
    const exit = await worker.exited;
    expect(exit.code).toBe(1);
    expect(exit.at - signalled).toBeGreaterThanOrEqual(1_400);
    expect(exit.at - signalled).toBeLessThan(8_000);
    expect(worker.output()).toContain("stop took too long");
  }, 90_000);

  it("exits 1 at once on a second signal", async () => {
    const worker = start("lib/process/testing/slow-worker.ts", { JOB_MS: "60000" });
    await worker.line((l) => l.includes('"job started"'));
    worker.child.kill("SIGTERM");
    await worker.line((l) => l.includes("stopping: readiness is 503"));
    const second = Date.now();
    worker.child.kill("SIGTERM");
    const exit = await worker.exited;
    expect(exit.code).toBe(1);
    expect(exit.at - second).toBeLessThan(5_000);
    expect(worker.output()).toContain("second signal");
  }, 90_000);
});
