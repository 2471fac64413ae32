import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { fmt, percentile } from "./figures";

type Sample = {
  oldest_ms: number | null;
  oldest_db: string | null;
  waits: Record<string, number> | null;
};

/**
 * Samples the server every 50 ms: the age of the oldest transaction holding a transaction id
 * anywhere on it (the sync reads a change only once every older id has ended —
 * `pg_snapshot_xmin` is server-wide — so such a transaction delays every change behind it),
 * and what the backends of `ours` inside a transaction are waiting for (`idle in transaction`
 * is the client's turn: the application has not sent its next statement yet).
 */
export function watchServer(serverUrl: string, ours: readonly string[]) {
  const ages: number[] = [];
  const waits = new Map<string, number>();
  let samples = 0;
  let worst = { ms: 0, database: "" };
  let running = true;
  const client = new pg.Client({ connectionString: serverUrl });
  const loop = (async () => {
    await client.connect();
    while (running) {
      const { rows } = await client.query<Sample>(
        `select (select extract(epoch from clock_timestamp() - min(xact_start)) * 1000
                   from pg_stat_activity where backend_xid is not null and pid <> pg_backend_pid()) as oldest_ms,
                (select datname from pg_stat_activity where backend_xid is not null
                  and pid <> pg_backend_pid() order by xact_start limit 1) as oldest_db,
                (select jsonb_object_agg(w, n) from (
                   select coalesce(wait_event_type || ':' || wait_event, 'running') ||
                          case when state = 'idle in transaction' then ' (idle in transaction)' else '' end as w,
                          count(*) as n
                     from pg_stat_activity
                    where datname = any($1::text[]) and xact_start is not null
                      and pid <> pg_backend_pid() group by 1) t) as waits`,
        [ours],
      );
      const sample = rows[0];
      const ms = Number(sample?.oldest_ms ?? 0);
      ages.push(ms);
      if (ms > worst.ms) worst = { ms, database: sample?.oldest_db ?? "?" };
      for (const [what, n] of Object.entries(sample?.waits ?? {}))
        waits.set(what, (waits.get(what) ?? 0) + Number(n));
      samples += 1;
      await sleep(50);
    }
    await client.end();
  })();
  loop.catch(() => undefined); // handled where it is awaited; not an unhandled rejection meanwhile
  return async () => {
    running = false;
    await loop;
    const whose = ours.includes(worst.database) ? "this benchmark's" : "another";
    const top = [...waits]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([what, n]) => `${what} ${fmt(n / samples, 1)}`)
      .join(", ");
    return (
      `oldest open write transaction on the server: p50 ${fmt(percentile(ages, 50))} ms, ` +
      `p99 ${fmt(percentile(ages, 99))} ms, max ${fmt(worst.ms)} ms (in ${whose} database ${worst.database})\n` +
      `  our backends inside a transaction, on average: ${top || "none"}`
    );
  };
}
