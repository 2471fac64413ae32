import { createRequire } from "node:module";
import path from "node:path";
import type { ChildSpec } from "./child-process";
import { spawnChild } from "./child-process";
import { httpAnswers } from "./probes";
import type { ProcessEntry } from "./supervisor";

export type ConsoleOptions = {
  root: string;
  port: number;
  /** The address `next start` binds (HOST; loopback by default). */
  host: string;
  /** The full environment of the console process. */
  env: Record<string, string>;
  write?: (line: string) => void;
};

/** The `next` CLI of the repository, run with this Node.js (no npx in between). */
export function nextCli(root: string): string {
  return createRequire(path.join(root, "package.json")).resolve("next/dist/bin/next");
}

/** `next build` of the console, as a one-off step. */
export function consoleBuild(options: ConsoleOptions): ChildSpec {
  return {
    name: "build",
    command: process.execPath,
    args: [nextCli(options.root), "build"],
    cwd: options.root,
    env: options.env,
    write: options.write,
  };
}

/** `next start` on the console's port and address. */
export function consoleArgs(options: Pick<ConsoleOptions, "root" | "port" | "host">): string[] {
  return [nextCli(options.root), "start", "-p", String(options.port), "-H", options.host];
}

/** Where to knock to see the console up: a wildcard address is answered on loopback. */
function probeHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

/** The console in production mode (`next start`), ready once it answers HTTP. */
export function consoleEntry(options: ConsoleOptions): ProcessEntry {
  return {
    name: "console",
    // its first answer renders pages; on a loaded machine that took over a minute
    readyTimeoutMs: 120_000,
    ready: () => httpAnswers(`http://${probeHost(options.host)}:${options.port}/`),
    start: () =>
      spawnChild({
        name: "console",
        command: process.execPath,
        args: consoleArgs(options),
        cwd: options.root,
        env: options.env,
        write: options.write,
      }),
  };
}
