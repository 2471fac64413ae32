import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { pickPort } from "./free-port";

const root = path.resolve(import.meta.dirname, "../..");
const tsx = createRequire(path.join(root, "package.json")).resolve("tsx");
const fixture = path.join(import.meta.dirname, "testing/supervised-pair.ts");
let launcher: ChildProcess | undefined;

afterEach(() => {
  if (launcher && launcher.exitCode === null && launcher.signalCode === null) {
    launcher.kill("SIGKILL");
  }
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

async function startLauncher(mode = "") {
  const ports = [await pickPort(0), await pickPort(0)];
  const lines: string[] = [];
  launcher = spawn(process.execPath, ["--import", tsx, fixture, ...ports.map(String), mode], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => launcher?.once("exit", resolve));
  if (launcher.stdout) createInterface({ input: launcher.stdout }).on("line", (l) => lines.push(l));
  return { ports, lines, exited, process: launcher };
}

/** Waits for a line of `lines` that starts with `prefix` and returns it. */
async function line(lines: string[], prefix: string): Promise<string> {
  await expect
    .poll(() => lines.find((l) => l.startsWith(prefix)), { timeout: 15_000 })
    .toBeDefined();
  return lines.find((l) => l.startsWith(prefix)) ?? "";
}

describe("the launcher's way out", () => {
  it("restarts a killed child, then stops everything on SIGINT, the restarted child included", async () => {
    const run = await startLauncher();
    const pids = JSON.parse((await line(run.lines, "[launcher] ready ")).slice(17)) as number[];
    expect(pids.every(alive)).toBe(true);

    process.kill(pids[1] ?? 0, "SIGKILL");
    const restarted = await line(run.lines, "[launcher] a restarted");
    const newPid = Number(/pid (\d+)/.exec(restarted)?.[1]);
    expect(alive(newPid)).toBe(true);
    expect(await (await fetch(`http://127.0.0.1:${run.ports[0]}/`)).text()).toBe("a");
    expect(run.lines).toContain(
      "[launcher] a was killed by SIGKILL; restart 1 in 100 ms (1 crash in 60 s)",
    );

    run.process.kill("SIGINT");
    expect(await run.exited).toBe(130);
    expect(run.lines).toEqual(
      expect.arrayContaining(["[launcher] SIGINT received; stopping", "[launcher] stopped"]),
    );
    const stopping = run.lines.filter((l) => l.startsWith("[launcher] stopping "));
    expect(stopping).toEqual(["[launcher] stopping a", "[launcher] stopping b"]);
    expect([pids[0], newPid].some(alive)).toBe(false);
  }, 30_000);

  it("stops everything with a clear line once it gives up on a crashing child", async () => {
    const run = await startLauncher("crashing");
    const pids = JSON.parse((await line(run.lines, "[launcher] ready ")).slice(17)) as number[];
    expect(await run.exited).toBe(1);
    expect(run.lines).toContain(
      "[launcher] a crashed 3 times in 60 s (last: exited with code 9); giving up after 2 restarts",
    );
    expect(run.lines).toContain("[launcher] a is gone; stopping");
    expect(alive(pids[0])).toBe(false);
  }, 30_000);
});
