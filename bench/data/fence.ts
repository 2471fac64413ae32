import { setTimeout as sleep } from "node:timers/promises";
import { ROUTES_CHANNEL } from "@/lib/contracts/domains";
import { createControlDb } from "@/server/db/client";
import { rollbackDomain } from "@/server/migration/migration-service";
import { snapshot, type WriteCounts } from "./write-load";

export type FenceRun = {
  /** The fence's own record in the rollback's audit row (`after.fence`). */
  fenceMs: number;
  drained: boolean;
  note?: string;
  /** Around the whole rollbackDomain call: fence, drain and the flip's transaction. */
  callMs: number;
  /** Writes the gateway refused with 503 during the call and the second after it. */
  fenced: number;
};

/**
 * Rolls identity back `runs` times under the write load, each time from canary at `weight` %
 * (set straight in the routing table and announced on keiko_routes, then `settleMs` for the
 * gateway to route and both sides to take writes): rollbackDomain raises the write fence, waits
 * for the service → legacy sync to drain, and flips to legacy in one transaction.
 */
export async function runFences(options: {
  controlUrl: string;
  runs: number;
  weight: number;
  settleMs: number;
  counts: WriteCounts;
}): Promise<FenceRun[]> {
  const { db, pool } = createControlDb(options.controlUrl, 2);
  const results: FenceRun[] = [];
  try {
    for (let run = 0; run < options.runs; run += 1) {
      await pool.query(
        `update domains set state = 'canary', canary_weight = $1, write_fence = false,
                version = version + 1, updated_at = now(), updated_by = 'bench:data'
          where name = 'identity'`,
        [options.weight],
      );
      await pool.query("select pg_notify($1, 'identity')", [ROUTES_CHANNEL]);
      await sleep(options.settleMs);
      const before = snapshot(options.counts).fenced;
      const started = performance.now();
      await rollbackDomain(db, "bench:data", {
        domain: "identity",
        reason: `bench: write fence under load, run ${run + 1}`,
      });
      const callMs = performance.now() - started;
      await sleep(1_000);
      const { rows } = await pool.query<{
        fence: { fenceMs: number; drained: boolean; note?: string };
      }>(
        `select after -> 'fence' as fence from audit_log
          where action = 'migration.rollback' and target = 'domain:identity'
          order by id desc limit 1`,
      );
      const fence = rows[0]?.fence;
      if (!fence) throw new Error("the rollback left no fence record in its audit row");
      results.push({
        fenceMs: fence.fenceMs,
        drained: fence.drained,
        note: fence.note,
        callMs,
        fenced: snapshot(options.counts).fenced - before,
      });
    }
  } finally {
    await pool.end();
  }
  return results;
}
