import { consoleEntry } from "./console-app";
import type { PlatformRole } from "./database-roles";
import { gatewayEntry, serviceEntries, sloGuardEntry, workerEntries } from "./platform-processes";
import { localPrometheus } from "./prometheus-stack";
import type { ProcessEntry } from "./supervisor";

/** What every process of the stack needs to know, once PostgreSQL and Redis are there. */
export type StackContext = {
  root: string;
  /** The console's HTTP port. */
  port: number;
  host: string;
  /** Environment shared by the stack's processes (REDIS_URL, secrets, PATH…), no DATABASE_URL. */
  env: Record<string, string>;
  /** Each process's PostgreSQL server URL with its own role (database-roles.ts). */
  databaseUrls: Record<PlatformRole, string>;
};

/**
 * The stack's own processes, in start order (each must be ready before the next starts).
 * Adding a process (gateway, services, relays, …) is one entry here.
 */
export function stackProcesses(context: StackContext): ProcessEntry[] {
  const platform = { root: context.root, env: context.env, databaseUrls: context.databaseUrls };
  const prometheus = localPrometheus({
    root: context.root,
    env: context.env,
    consolePort: context.port,
  });
  if (prometheus.note) console.log(`[launcher] ${prometheus.note}`);
  return [
    ...prometheus.entries,
    ...serviceEntries(platform),
    gatewayEntry(platform),
    ...workerEntries(platform),
    consoleEntry({
      root: context.root,
      port: context.port,
      host: context.host,
      env: { ...context.env, DATABASE_URL: context.databaseUrls.console, ...prometheus.consoleEnv },
    }),
    sloGuardEntry(platform, context.port),
  ];
}
