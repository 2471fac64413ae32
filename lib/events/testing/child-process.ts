import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";

/** A TypeScript script of this folder running in its own Node process (through tsx's loader). */
export interface TestChild {
  process: ChildProcess;
  /** Resolves once the stdout lines so far satisfy `ready`. */
  waitForLines(ready: (lines: readonly string[]) => boolean, timeoutMs?: number): Promise<void>;
  lines: string[];
  /** SIGKILL, and wait until the process is gone. */
  kill(): Promise<void>;
}

/** Starts `lib/events/testing/<script>` with `config` as its JSON argument. */
export function startChild(script: string, config: unknown): TestChild {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(import.meta.dirname, script), JSON.stringify(config)],
    { stdio: ["ignore", "pipe", "pipe"], cwd: process.cwd() },
  );
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    lines.push(line);
    for (const waiter of waiters) waiter();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    process: child,
    lines,
    waitForLines(ready, timeoutMs = 20_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (ready(lines)) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${script}: no matching line in ${timeoutMs} ms; stderr: ${stderr}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
