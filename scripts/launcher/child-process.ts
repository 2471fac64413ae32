import { spawn } from "node:child_process";
import type { ExitInfo, ManagedProcess } from "./managed-process";
import { prefixLines } from "./prefixed-output";

/** A command the launcher runs as a child process. */
export type ChildSpec = {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** Signal for a graceful stop; SIGTERM unless the program prefers another. */
  stopSignal?: NodeJS.Signals;
  /** After this long without exiting, the child gets SIGKILL. */
  stopTimeoutMs?: number;
  write?: (line: string) => void;
};

/** Spawns `spec` with its stdout and stderr prefixed by its name. */
export function spawnChild(spec: ChildSpec): ManagedProcess {
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    // Next.js declares NODE_ENV as a required key of ProcessEnv; a child's env needs no such key.
    env: spec.env as NodeJS.ProcessEnv | undefined,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.stdout) prefixLines(child.stdout, spec.name, spec.write);
  if (child.stderr) prefixLines(child.stderr, spec.name, spec.write);

  let ended = false;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once("error", (error) => {
      // An 'error' without a pid means the spawn itself failed and no 'exit' will follow.
      if (child.pid === undefined) resolve({ code: null, signal: null, error });
    });
    child.once("exit", (code, signal) => resolve({ code, signal }));
  }).then((info) => {
    ended = true;
    return info;
  });

  async function stop(): Promise<void> {
    if (ended || child.pid === undefined) return;
    child.kill(spec.stopSignal ?? "SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), spec.stopTimeoutMs ?? 10_000);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  return { name: spec.name, pid: child.pid, exited, stop, hasExited: () => ended };
}
