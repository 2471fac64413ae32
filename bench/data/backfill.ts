import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";
import type { EngineLoop } from "./engine-loop";

export type BackfillRun = { rows: number; ms: number; quarantined: number };

/**
 * Starts the backfill of `domains` from scratch (service tables emptied, data_backfills reset to
 * running) and waits until the engine has marked every one complete. The time is the database's:
 * from the start to the last `finished_at`.
 */
export async function runBackfill(
  engine: EngineLoop,
  domains: readonly string[],
  emptyServiceTables: () => Promise<void>,
  timeoutMs = 300_000,
): Promise<BackfillRun> {
  const control: pg.Pool = engine.control;
  await control.query(
    "insert into data_backfills (domain) select name from domains on conflict (domain) do nothing",
  );
  await emptyServiceTables();
  const quarantinedBefore = await quarantined(control);
  await control.query(
    `update data_backfills
        set status = 'running', phase = null, last_key = null, rows_copied = 0, rows_total = 0,
            rows_per_second = 0, started_at = clock_timestamp(), finished_at = null,
            updated_at = now(), updated_by = 'bench:data'
      where domain = any($1::text[])`,
    [domains],
  );
  engine.poke();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await control.query<{ done: boolean; rows: string; ms: number }>(
      `select bool_and(status = 'complete') as done, sum(rows_copied) as rows,
              extract(epoch from max(finished_at) - min(started_at)) * 1000 as ms
         from data_backfills where domain = any($1::text[])`,
      [domains],
    );
    const row = rows[0];
    if (row?.done) {
      return {
        rows: Number(row.rows),
        ms: Number(row.ms),
        quarantined: (await quarantined(control)) - quarantinedBefore,
      };
    }
    if (Date.now() > deadline) throw new Error(`the backfill did not finish in ${timeoutMs} ms`);
    await sleep(50);
  }
}

async function quarantined(control: pg.Pool): Promise<number> {
  const { rows } = await control.query<{ n: string }>("select count(*) as n from data_quarantine");
  return Number(rows[0]?.n ?? 0);
}

/**
 * Keeps the engine from verifying on its own (a backfill's completion asks for a verification):
 * a verification marked running per domain makes every request wait. The bench runs the
 * verifier itself, so its figure is not mixed into the backfill's.
 */
export async function holdEngineVerifications(
  control: pg.Pool,
  domains: readonly string[],
): Promise<void> {
  await control.query(
    `insert into data_verifications (domain, status, requested_by, started_at)
     select d, 'running', 'bench:data (hold)', now() from unnest($1::text[]) d`,
    [domains],
  );
}
