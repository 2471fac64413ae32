import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { ChildSpec } from "./child-process";
import { spawnChild } from "./child-process";
import { httpOk } from "./probes";
import type { ProcessEntry } from "./supervisor";

export type ConsoleOptions = {
  root: string;
  port: number;
  /** The address the console binds (HOST; loopback by default). */
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

/** The console's server (scripts/console-server.ts: Next.js on the process lifecycle), with the
 * OpenTelemetry preload once it exists, on the console's port and address (`next start`'s flags). */
export function consoleArgs(options: Pick<ConsoleOptions, "root" | "port" | "host">): string[] {
  const tsx = createRequire(path.join(options.root, "package.json")).resolve("tsx");
  const preload = path.join(options.root, "lib/observability/preload.ts");
  return [
    "--import",
    tsx,
    ...(existsSync(preload) ? ["--import", preload] : []),
    path.join(options.root, "scripts/console-server.ts"),
    "-p",
    String(options.port),
    "-H",
    options.host,
  ];
}

/** Where to knock to see the console up: a wildcard address is answered on loopback. */
function probeHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

/** The console in production mode, ready once its /readyz answers 200 (Next.js prepared). */
export function consoleEntry(options: ConsoleOptions): ProcessEntry {
  return {
    name: "console",
    // preparing Next.js on a loaded machine took over a minute
    readyTimeoutMs: 120_000,
    ready: () => httpOk(`http://${probeHost(options.host)}:${options.port}/readyz`),
    start: () =>
      spawnChild({
        name: "console",
        command: process.execPath,
        args: consoleArgs(options),
        cwd: options.root,
        env: {
          NODE_ENV: "production",
          SHUTDOWN_DELAY_MS: "0",
          ...options.env,
          OTEL_SERVICE_NAME: "console",
        },
        write: options.write,
      }),
  };
}
