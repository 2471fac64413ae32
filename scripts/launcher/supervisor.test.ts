import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ChildSpec, spawnChild } from "./child-process";
import { pickPort } from "./free-port";
import type { ExitInfo } from "./managed-process";
import { httpOk } from "./probes";
import { type ProcessEntry, ShutdownInProgress, Supervisor } from "./supervisor";

let dir: string;
let lines: string[];
let supervisor: Supervisor;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "keiko-supervisor-"));
  lines = [];
  supervisor = new Supervisor((line) => lines.push(line));
});

afterEach(async () => {
  await supervisor.stopAll();
  await rm(dir, { recursive: true, force: true });
});

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function answer(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/`)).text();
}

function node(name: string, code: string, extra: Partial<ChildSpec> = {}): ChildSpec {
  return {
    name,
    command: process.execPath,
    args: ["-e", code],
    write: (line) => lines.push(line),
    ...extra,
  };
}

/** A child that creates `<dir>/<name>.ready` after a moment, then runs `then`. */
function entry(
  name: string,
  then = "setInterval(() => {}, 1000);",
  extra: Partial<ProcessEntry> = {},
) {
  const marker = path.join(dir, `${name}.ready`);
  const code = `console.log("hello from ${name}\\nsecond line"); setTimeout(() => { require("fs").writeFileSync(${JSON.stringify(marker)}, ""); ${then} }, 150);`;
  return {
    name,
    start: () => spawnChild(node(name, code)),
    ready: async () => existsSync(marker),
    readyTimeoutMs: 5000,
    ...extra,
  } satisfies ProcessEntry;
}

describe("Supervisor", () => {
  it("waits for readiness, prefixes output, and stops in reverse order", async () => {
    const first = await supervisor.start(entry("first"));
    const second = await supervisor.start(entry("second"));
    expect(existsSync(path.join(dir, "first.ready"))).toBe(true);
    expect(supervisor.names).toEqual(["first", "second"]);
    expect(lines).toEqual(
      expect.arrayContaining([
        "[first] hello from first",
        "[first] second line",
        "[second] hello from second",
      ]),
    );
    expect(alive(first.pid) && alive(second.pid)).toBe(true);

    await supervisor.stopAll();
    expect(lines.filter((l) => l.startsWith("stopping"))).toEqual([
      "stopping second",
      "stopping first",
    ]);
    expect(alive(first.pid) || alive(second.pid)).toBe(false);
  });

  it("reports a ready process that dies on its own, but not one it stops", async () => {
    const exits: [string, ExitInfo][] = [];
    supervisor.onUnexpectedExit((name, info) => exits.push([name, info]));
    const trigger = path.join(dir, "crash-now");
    const crashOnTrigger = `setInterval(() => require("fs").existsSync(${JSON.stringify(trigger)}) && process.exit(3), 50);`;
    const crasher = await supervisor.start(entry("crasher", crashOnTrigger));
    await supervisor.start(entry("steady"));
    expect(exits).toEqual([]);
    await writeFile(trigger, "");
    await crasher.exited;
    await expect.poll(() => exits, { timeout: 2000, interval: 20 }).toHaveLength(1);
    expect(exits).toEqual([["crasher", { code: 3, signal: null }]]);
    await supervisor.stopAll();
    expect(exits).toHaveLength(1);
  });

  it("restarts a SIGKILLed child, which serves again, and logs the restart", async () => {
    supervisor = new Supervisor((line) => lines.push(line), { initialDelayMs: 100, graceMs: 50 });
    const port = await pickPort(0);
    const server = `require("http").createServer((q, s) => s.end(String(process.pid))).listen(${port}, "127.0.0.1");`;
    const web = {
      name: "web",
      start: () => spawnChild(node("web", server)),
      ready: () => httpOk(`http://127.0.0.1:${port}/`),
      readyTimeoutMs: 5000,
    };
    const first = await supervisor.start(web);
    expect(await answer(port)).toBe(String(first.pid));

    process.kill(first.pid ?? 0, "SIGKILL");
    await expect
      .poll(() => lines.find((l) => l.startsWith("web restarted")), { timeout: 5000 })
      .toBeDefined();
    const [status] = supervisor.status();
    expect(status).toMatchObject({ name: "web", restarts: 1 });
    expect(status?.pid).not.toBe(first.pid);
    expect(await answer(port)).toBe(String(status?.pid));
    expect(lines).toContain("web was killed by SIGKILL; restart 1 in 100 ms (1 crash in 60 s)");
    expect(lines).toContain(`web restarted (restart 1, pid ${status?.pid})`);

    await supervisor.stopAll();
    expect(alive(status?.pid)).toBe(false);
    expect(lines.filter((l) => l.startsWith("stopping"))).toEqual(["stopping web"]);
  });

  it("backs off exponentially and gives up after too many crashes in the window", async () => {
    supervisor = new Supervisor((line) => lines.push(line), {
      initialDelayMs: 40,
      maxDelayMs: 100,
      maxCrashes: 3,
      windowMs: 10_000,
      graceMs: 10,
    });
    const givenUp: string[] = [];
    supervisor.onGiveUp((name, reason) => givenUp.push(`${name}: ${reason}`));
    const flaky = entry("flaky", "setTimeout(() => process.exit(5), 30);");
    flaky.ready = async () => true;
    await supervisor.start(flaky);
    await expect.poll(() => givenUp, { timeout: 5000 }).toHaveLength(1);
    expect(givenUp[0]).toBe(
      "flaky: flaky crashed 4 times in 10 s (last: exited with code 5); giving up after 3 restarts",
    );
    const waits = lines.filter((l) => l.startsWith("flaky exited")).map((l) => l.split(" in ")[1]);
    expect(waits).toEqual(["40 ms (1 crash", "80 ms (2 crashes", "100 ms (3 crashes"]);
    expect(supervisor.status()[0]?.restarts).toBe(3);
  });

  it("gives up at once on a process that must not be restarted", async () => {
    const givenUp: string[] = [];
    supervisor.onGiveUp((name) => givenUp.push(name));
    const once = entry("once", "setTimeout(() => process.exit(1), 400);", { restart: false });
    await supervisor.start(once);
    await expect.poll(() => givenUp, { timeout: 3000 }).toEqual(["once"]);
    expect(supervisor.status()[0]?.restarts).toBe(0);
  });

  it("cancels a pending restart when stopping", async () => {
    supervisor = new Supervisor((line) => lines.push(line), { initialDelayMs: 300, graceMs: 10 });
    const crasher = await supervisor.start(
      entry("crasher", "setTimeout(() => process.exit(7), 300);"),
    );
    await crasher.exited;
    await expect
      .poll(() => lines.some((l) => l.startsWith("crasher exited with code 7; restart 1")))
      .toBe(true);
    await supervisor.stopAll();
    await new Promise((r) => setTimeout(r, 500));
    expect(lines.some((l) => l.startsWith("crasher restarted"))).toBe(false);
    expect(supervisor.status()[0]?.restarts).toBe(0);
  });

  it("fails a start whose process exits before it is ready", async () => {
    const doomed = {
      name: "doomed",
      start: () => spawnChild(node("doomed", "process.exit(2)")),
      ready: async () => false,
    };
    await expect(supervisor.start(doomed)).rejects.toThrow(
      "doomed exited with code 2 before it was ready",
    );
  });

  it("fails a start that is not ready in time, and still stops that process", async () => {
    const slow = entry("slow", undefined, { ready: async () => false, readyTimeoutMs: 400 });
    const started = Date.now();
    await expect(supervisor.start(slow)).rejects.toThrow("slow was not ready after");
    expect(Date.now() - started).toBeLessThan(2000);
    expect(supervisor.names).toEqual(["slow"]);
    await supervisor.stopAll();
    expect(supervisor.names).toEqual([]);
  });

  it("says so when a command cannot be started", async () => {
    const missing = {
      name: "missing",
      start: () =>
        spawnChild({ name: "missing", command: path.join(dir, "no-such-program"), args: [] }),
      ready: async () => false,
    };
    await expect(supervisor.start(missing)).rejects.toThrow(/missing could not start: .*ENOENT/);
  });

  it("kills a child that ignores its stop signal", async () => {
    const stubborn = entry("stubborn");
    stubborn.start = () =>
      spawnChild(
        node(
          "stubborn",
          `process.on("SIGTERM", () => console.log("ignoring SIGTERM")); require("fs").writeFileSync(${JSON.stringify(path.join(dir, "stubborn.ready"))}, ""); setInterval(() => {}, 1000);`,
          { stopTimeoutMs: 300 },
        ),
      );
    const process = await supervisor.start(stubborn);
    await supervisor.stopAll();
    expect(await process.exited).toEqual({ code: null, signal: "SIGKILL" });
    expect(lines).toContain("[stubborn] ignoring SIGTERM");
  });

  it("runs a one-off step to completion and reports its failure", async () => {
    await supervisor.run(node("ok", "console.log('built')"));
    expect(lines).toContain("[ok] built");
    expect(supervisor.names).toEqual([]);
    await expect(supervisor.run(node("broken", "process.exit(4)"))).rejects.toThrow(
      "broken exited with code 4",
    );
  });

  it("stops a start or a step that is under way when a shutdown begins", async () => {
    const waiting = supervisor.start(entry("waiting", undefined, { ready: async () => false }));
    const step = supervisor.run(node("step", "setInterval(() => {}, 1000)"));
    const outcomes = Promise.allSettled([waiting, step]);
    await new Promise((r) => setTimeout(r, 300));
    await supervisor.stopAll();
    for (const outcome of await outcomes) {
      expect(outcome.status === "rejected" && outcome.reason).toBeInstanceOf(ShutdownInProgress);
    }
    await expect(supervisor.start(entry("late"))).rejects.toBeInstanceOf(ShutdownInProgress);
  });
});
