/**
 * The processes the gateway benchmark starts (upstream, gateways, the bare and Fastify peers),
 * each a child with its own event loop, and the cleanups that stop them.
 */
import { createRequire } from "node:module";
import { type Child, childPids, freePort, startChild, waitUntil } from "./processes";

export type Cleanups = Array<{ name: string; run: () => Promise<void> }>;

/** Starts `entry` (a TypeScript module printing `{"port":N,…}`) and waits for its port. */
export async function startPortPrinter(
  cleanups: Cleanups,
  name: string,
  entry: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<{ child: Child; port: number; info: Record<string, unknown> }> {
  let ready: Record<string, unknown> | null = null;
  const child = startChild(name, process.execPath, ["--import", "tsx", ...nodeArgs, entry], {
    env: { ...process.env, ...env },
    onLine: (line) => {
      if (!ready && line.startsWith("{")) ready = JSON.parse(line);
    },
  });
  cleanups.push({ name, run: () => child.stop() });
  await waitUntil(child, "its port", async () => ready !== null, 30_000);
  const info = ready as unknown as Record<string, unknown>;
  return { child, port: Number(info.port), info };
}

export type GatewayChild = Child & { port: number; url: string; pids: () => number[] };

/**
 * The API gateway from `entry` (main.ts; GATEWAY_WORKERS for several workers) with the bench's
 * database and Redis prefix; waits until /readyz answers 200.
 */
export async function startGateway(
  cleanups: Cleanups,
  options: {
    label: string;
    entry: string;
    nodeArgs: string[];
    env: Record<string, string>;
    /** Waits for this many workers' stats snapshots as well. */
    ready?: () => Promise<boolean>;
  },
): Promise<GatewayChild> {
  const port = await freePort();
  const child = startChild(
    options.label,
    process.execPath,
    ["--import", "tsx", ...options.nodeArgs, options.entry],
    {
      env: {
        ...process.env,
        ...options.env,
        HOST: "127.0.0.1",
        PORT: String(port),
        LOG_LEVEL: "warn",
      },
    },
  );
  cleanups.push({ name: options.label, run: () => child.stop("SIGTERM", 15_000) });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    child,
    "a ready /readyz",
    async () =>
      (await fetch(`${url}/readyz`)).status === 200 &&
      (options.ready ? await options.ready() : true),
    90_000,
  );
  return Object.assign(child, {
    port,
    url,
    pids: () => (child.done ? [] : [child.pid, ...childPids(child.pid)]),
  });
}

/** True when `name` resolves from the repository (an optional package of a benchmark row). */
export function installed(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}
