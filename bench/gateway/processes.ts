/**
 * Child processes of the gateway benchmark (spawn, wait for readiness, stop for sure) and the CPU
 * time they use, read from /proc (Linux).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { appendFileSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";

const KEPT_LINES = 60;

export type Child = {
  name: string;
  process: ChildProcess;
  pid: number;
  /** The last lines the child wrote (stdout and stderr), for error messages. */
  output: string[];
  /** Resolves once the process has exited. */
  exited: Promise<void>;
  /** True once the process has exited. */
  readonly done: boolean;
  /** Sends `signal`, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
  /** The child's last lines, indented, for an error message. */
  tail(lines?: number): string;
};

const live = new Set<ChildProcess>();

// A last resort if the runner exits without its cleanup (an uncaught error in a callback).
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

export function startChild(
  name: string,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; onLine?: (line: string) => void } = {},
): Child {
  const child = spawn(command, args, {
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  live.add(child);
  const output: string[] = [];
  // BENCH_CHILD_OUTPUT_DIR keeps every child's whole output (e.g. with --trace-gc)
  const keep = process.env.BENCH_CHILD_OUTPUT_DIR;
  const file = keep ? path.join(keep, `${name.replace(/[^\w.-]+/g, "_")}.log`) : null;
  for (const stream of [child.stdout, child.stderr]) {
    // read everything, so a chatty child never blocks on a full pipe
    createInterface({ input: stream }).on("line", (line) => {
      if (file) appendFileSync(file, `${line}\n`);
      output.push(line);
      if (output.length > KEPT_LINES) output.shift();
      options.onLine?.(line);
    });
  }
  let done = false;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      done = true;
      live.delete(child);
      resolve();
    });
    child.once("error", (error) => {
      output.push(`spawn error: ${error.message}`);
      done = true;
      live.delete(child);
      resolve();
    });
  });
  return {
    name,
    process: child,
    pid: child.pid,
    output,
    exited,
    get done() {
      return done;
    },
    async stop(signal = "SIGTERM", graceMs = 5_000) {
      if (done) return;
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          if (!done) child.kill("SIGKILL");
          resolve();
        }, graceMs);
      });
      await Promise.race([exited, killed]);
      clearTimeout(timer);
      await exited;
    },
    tail(lines = 20) {
      return output
        .slice(-lines)
        .map((line) => `    ${line}`)
        .join("\n");
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns true; fails when `child` exits first or after `timeoutMs`. */
export async function waitUntil(
  child: Child,
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.done) throw new Error(`${child.name} exited before ${what}:\n${child.tail()}`);
    if (await probe().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${child.name}: no ${what} within ${timeoutMs} ms:\n${child.tail()}`);
}

/** A TCP port free on 127.0.0.1 right now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address !== "string") resolve(address.port);
        else reject(new Error("no TCP address"));
      });
    });
  });
}

let clockTicks: number | undefined;

/** Kernel clock ticks per second (the unit of /proc CPU times). */
export function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Fields of /proc/<pid>/stat after the command name (index 0 is field 3, `state`). */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** User plus system CPU seconds used so far by the processes `pids` (all their threads). */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const fields = statFields(pid);
    if (fields) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / ticksPerSecond();
}

/** The processes whose parent is `pid` (e.g. nginx's worker under its master). */
export function childPids(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields && Number(fields[1]) === pid) found.push(Number(entry));
  }
  return found;
}

/** Busy and total CPU seconds of the whole machine so far (all cores), from /proc/stat. */
export function machineCpuSeconds(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = values.reduce((sum, value) => sum + value, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: (total - idle) / ticksPerSecond(), total: total / ticksPerSecond() };
}
