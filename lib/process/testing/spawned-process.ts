import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../../..");
const tsx = createRequire(path.join(root, "package.json")).resolve("tsx");

export type Spawned = {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the first stdout/stderr line `match` accepts. */
  line: (match: (line: string) => boolean, timeoutMs?: number) => Promise<string>;
  exited: Promise<{ code: number | null; at: number }>;
};

/** Runs a TypeScript entry of this repository as the launcher does: this Node.js with tsx. */
export function spawnEntry(entry: string, env: Record<string, string>): Spawned {
  const child = spawn(process.execPath, ["--import", tsx, path.join(root, entry)], {
    cwd: root,
    // Next.js declares NODE_ENV as a required key of ProcessEnv; a child's env needs no such key.
    env: { PATH: process.env.PATH ?? "", ...env } as unknown as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const wake of waiters) wake();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.once("exit", (code) => resolve({ code, at: Date.now() })),
  );
  const line = (match: (line: string) => boolean, timeoutMs = 60_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const found = text.split("\n").find(match);
        if (found === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no such line in ${timeoutMs} ms; output:\n${text}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { child, output: () => text, line, exited };
}

/** The port a worker's admin server bound, from its "admin server listening" log line. */
export async function adminPortOf(spawned: Spawned): Promise<number> {
  const line = await spawned.line((l) => l.includes('"adminPort"') && l.includes("admin server"));
  return (JSON.parse(line) as { adminPort: number }).adminPort;
}

/** GET `url`: its status, or 0 when nothing answers. */
export async function statusOf(url: string): Promise<number> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status;
  } catch {
    return 0;
  }
}

/** Polls until `probe` holds; throws after `timeoutMs`. */
export async function eventually(probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
