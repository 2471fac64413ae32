import { mkdtemp, readdir, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pickPort } from "./free-port";
import { redisAnswers } from "./probes";
import { findExecutable, localRedisUrl, redisServerEntry } from "./redis-server";
import { Supervisor } from "./supervisor";

let dir: string;
let supervisor: Supervisor;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "keiko-redis-"));
  supervisor = new Supervisor(() => {});
});

afterEach(async () => {
  await supervisor.stopAll();
  await rm(dir, { recursive: true, force: true });
});

describe("findExecutable", () => {
  it("finds redis-server on a PATH that has it, and nothing on one that does not", async () => {
    expect(
      await findExecutable("redis-server", `${dir}${path.delimiter}/usr/local/bin:/usr/bin`),
    ).toMatch(/\/redis-server$/);
    expect(await findExecutable("redis-server", dir)).toBeUndefined();
    expect(await findExecutable("redis-server", "")).toBeUndefined();
  });
});

describe("redisServerEntry", () => {
  it("starts a redis-server with an append-only file fsynced every second, kept across restarts", async () => {
    const command = await findExecutable("redis-server", "/usr/local/bin:/usr/bin:/bin");
    if (!command) throw new Error("redis-server is not installed on this machine");
    const port = await pickPort(0);
    const url = localRedisUrl(port);
    const redisDir = path.join(dir, "redis");
    const lines: string[] = [];

    const server = await supervisor.start(
      redisServerEntry({ command, dir: redisDir, port, write: (l) => lines.push(l) }),
    );
    const client = new Redis(url);
    expect(await client.config("GET", "appendonly")).toEqual(["appendonly", "yes"]);
    expect(await client.config("GET", "appendfsync")).toEqual(["appendfsync", "everysec"]);
    expect(await client.config("GET", "save")).toEqual(["save", ""]);
    expect(await client.config("GET", "dir")).toEqual(["dir", await realpath(redisDir)]);
    await client.xadd("launcher-test", "*", "n", "1");
    await client.xgroup("CREATE", "launcher-test", "g", "0");
    client.disconnect();
    expect(
      lines.some((l) => l.startsWith("[redis] ") && l.includes("Ready to accept connections")),
    ).toBe(true);

    await supervisor.stopAll();
    expect(server.hasExited()).toBe(true);
    expect(await redisAnswers(url, 500)).toBe(false);
    expect(await readdir(redisDir)).toContain("appendonlydir");

    // A restart on the same folder finds the stream and its group again.
    supervisor = new Supervisor(() => {});
    await supervisor.start(redisServerEntry({ command, dir: redisDir, port }));
    const again = new Redis(url);
    expect(await again.xlen("launcher-test")).toBe(1);
    const groups = (await again.xinfo("GROUPS", "launcher-test")) as unknown[][];
    expect(groups).toHaveLength(1);
    again.disconnect();
  });
});
