import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { httpOk, postgresAnswers, redisAnswers } from "@/scripts/launcher/probes";
import type { OwnPlatform } from "./platform";

/** Pids of the processes whose command line names `needle` (an entry file, a binary), from /proc. */
export async function pidsByCommandLine(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, "utf8").catch(() => "");
    if (cmdline.split("\0").some((arg) => arg.includes(needle))) pids.push(Number(name));
  }
  return pids;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The supervised process `name` as the supervisor reports it. */
export function supervised(platform: OwnPlatform, name: string) {
  const status = platform.supervisor.status().find((s) => s.name === name);
  if (!status?.pid) throw new Error(`the supervisor runs no process called ${name}`);
  return { pid: status.pid, restarts: status.restarts };
}

/**
 * The pid of `name`, from the supervisor and confirmed by /proc: its command line must name the
 * entry file (a stale pid must never get a signal meant for the platform).
 */
export async function confirmedPid(platform: OwnPlatform, name: string): Promise<number> {
  const { pid } = supervised(platform, name);
  const script = platform.processes.find((p) => p.name === name)?.script;
  // redis-server retitles itself `redis-server 127.0.0.1:<port>`; the postmaster names its -D folder
  const needle =
    script ?? (name === "redis" ? new URL(platform.redisUrl).host : path.join(platform.dir, "pg"));
  const found = await pidsByCommandLine(needle);
  if (!found.includes(pid)) {
    throw new Error(
      `${name}: pid ${pid} from the supervisor is not in /proc as ${needle} (${found.join(", ") || "none"})`,
    );
  }
  return pid;
}

/** Whether `name` serves again: its /readyz, or its server answering, or its pid alive. */
export async function serves(platform: OwnPlatform, name: string): Promise<boolean> {
  if (name === "postgres") return postgresAnswers(platform.serverUrl, 1000);
  if (name === "redis") return redisAnswers(platform.redisUrl, 1000);
  const readyUrl = platform.processes.find((p) => p.name === name)?.readyUrl;
  if (readyUrl) return httpOk(readyUrl, 1000);
  return alive(supervised(platform, name).pid);
}

/**
 * Sends `signal` to `name` and waits until the supervisor has started it again and it serves.
 * Returns how long that took, in seconds.
 */
export async function killAndAwaitRestart(
  platform: OwnPlatform,
  name: string,
  signal: NodeJS.Signals = "SIGKILL",
  timeoutMs = 60_000,
): Promise<number> {
  const before = supervised(platform, name);
  const pid = await confirmedPid(platform, name);
  const started = performance.now();
  process.kill(pid, signal);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (platform.givenUp.length > 0)
      throw new Error(`the supervisor gave up: ${platform.givenUp.join("; ")}`);
    const now = platform.supervisor.status().find((s) => s.name === name);
    if (
      now &&
      now.restarts > before.restarts &&
      now.pid !== before.pid &&
      (await serves(platform, name))
    ) {
      return (performance.now() - started) / 1000;
    }
    await sleep(100);
  }
  throw new Error(`${name} was not restarted within ${timeoutMs / 1000} s`);
}
