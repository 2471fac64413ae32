import pg from "pg";
import { cpuSeconds, machineCpuSeconds } from "../gateway/processes";
import { fmt } from "./figures";

/** The PostgreSQL backends serving `databases` right now (their pids). */
export async function backendPids(
  serverUrl: string,
  databases: readonly string[],
): Promise<number[]> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      "select pid from pg_stat_activity where datname = any($1::text[])",
      [databases],
    );
    return rows.map((row) => row.pid);
  } finally {
    await client.end();
  }
}

/**
 * CPU used over a window, in cores (CPU seconds per wall second), by this process, by each group
 * of processes, and by the rest of the machine (other people's work and PostgreSQL backends
 * not in a group), so the figures can be read against the contention they ran under.
 */
export function cpuWindow(groups: Record<string, readonly number[]>) {
  const wall = performance.now();
  const self = process.cpuUsage();
  const machine = machineCpuSeconds();
  const before = Object.fromEntries(
    Object.entries(groups).map(([name, pids]) => [name, cpuSeconds(pids)]),
  );
  return () => {
    const seconds = (performance.now() - wall) / 1000;
    const used = process.cpuUsage(self);
    const now = machineCpuSeconds();
    const shares: Array<[string, number]> = [
      ["this process", (used.user + used.system) / 1e6 / seconds],
      ...Object.entries(groups).map(([name, pids]): [string, number] => [
        name,
        (cpuSeconds(pids) - (before[name] ?? 0)) / seconds,
      ]),
    ];
    const busy = (now.busy - machine.busy) / seconds;
    const ours = shares.reduce((sum, [, value]) => sum + value, 0);
    shares.push(["everything else", Math.max(0, busy - ours)]);
    const cores = (now.total - machine.total) / seconds;
    return `${shares.map(([name, value]) => `${name} ${fmt(value, 2)}`).join(", ")} — machine busy ${fmt(busy, 2)} of ${fmt(cores, 0)} cores`;
  };
}
