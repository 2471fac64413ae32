import type pg from "pg";
import { PLATFORM_CONSUMER_GROUPS } from "@/workers/outbox-relay-groups";
import { OUTBOX_DATABASES } from "../launcher/platform-processes";
import type { Acknowledged } from "./traffic";

/** The databases the ledger reads, as the superuser (keiko_<name>). */
export type LedgerPools = Record<string, pg.Pool>;

/** What is missing (acknowledged but never applied) and what was applied more than once. */
export type LedgerReading = { lost: Map<string, string>; duplicated: Map<string, string> };

/** The database a consumer group keeps its inbox in. */
function inboxDatabaseOf(group: string): string {
  return group === "legacy-effects" ? "keiko_legacy" : `keiko_${group}`;
}

/**
 * Reads the platform's effects against what clients were told: with passport and reputation on
 * legacy, every acknowledged user has one registration entry in legacy's passport, every
 * acknowledged interaction is in legacy's learning data, has one passport entry and counts once in
 * its tutor's score (`withScores`: only once writes have stopped); every event written before
 * `cutoff` to any outbox reached every group that reads its stream
 * (the group's inbox); and no cause moved a score twice (reputation.ScoreChanged).
 */
export async function readLedger(
  pools: LedgerPools,
  acknowledged: readonly Acknowledged[],
  options: { cutoff: Date; withScores: boolean },
): Promise<LedgerReading> {
  const lost = new Map<string, string>();
  const duplicated = new Map<string, string>();
  const legacy = pools.keiko_legacy as pg.Pool;
  const userIds = acknowledged.filter((a) => a.kind === "user").map((a) => a.id);
  const interactionIds = acknowledged.filter((a) => a.kind === "interaction").map((a) => a.id);

  const { rows: registrations } = await legacy.query<{ id: string; n: number }>(
    `select u::text as id, (select count(*)::int from passport_entries e
       where e.source_key = 'registration:' || u::text) as n
     from unnest($1::uuid[]) u`,
    [userIds],
  );
  for (const { id, n } of registrations) {
    if (n === 0) lost.set(`passport:${id}`, `user ${id} has no passport`);
    if (n > 1) duplicated.set(`passport:${id}`, `user ${id} has ${n} passports`);
  }

  const { rows: interactions } = await legacy.query<{ id: string; n: number; present: boolean }>(
    `select i::text as id,
       (select count(*)::int from passport_entries e where e.source_key = 'interaction:' || i::text) as n,
       exists (select 1 from interactions x where x.id = i) as present
     from unnest($1::uuid[]) i`,
    [interactionIds],
  );
  for (const { id, n, present } of interactions) {
    if (!present)
      lost.set(`interaction:${id}`, `interaction ${id} is not in legacy's learning data`);
    if (n === 0) lost.set(`entry:${id}`, `interaction ${id} has no passport entry`);
    if (n > 1) duplicated.set(`entry:${id}`, `interaction ${id} has ${n} passport entries`);
  }

  const { rows: scores } = !options.withScores
    ? { rows: [] }
    : await legacy.query<{ tutor: string; counted: number; taught: number }>(
        `with taught as (select tutor_id, count(*)::int as n from interactions group by tutor_id)
     select coalesce(s.user_id, t.tutor_id)::text as tutor, coalesce(s.interaction_count, 0) as counted,
       coalesce(t.n, 0) as taught
     from reputation_scores s full join taught t on t.tutor_id = s.user_id
     where coalesce(s.interaction_count, 0) <> coalesce(t.n, 0)`,
      );
  for (const { tutor, counted, taught } of scores) {
    const text = `tutor ${tutor} taught ${taught}, score counts ${counted}`;
    if (counted < taught) lost.set(`score:${tutor}`, text);
    else duplicated.set(`score:${tutor}`, text);
  }

  const { rows: changes } = await legacy.query<{ cause: string; n: number }>(
    `select concat_ws(':', data->>'cause', data->>'cause_id', data->>'user_id') as cause, count(*)::int as n
     from outbox where event_type = 'reputation.ScoreChanged'
     group by 1 having count(*) > 1`,
  );
  for (const { cause, n } of changes) {
    duplicated.set(`score-changed:${cause}`, `${n} ScoreChanged for ${cause}`);
  }

  // every event published reached every group reading its stream
  const published: Array<{ id: string; type: string; from: string }> = [];
  for (const database of OUTBOX_DATABASES) {
    const pool = pools[database];
    if (!pool) continue;
    const { rows } = await pool.query<{ id: string; type: string }>(
      "select event_id as id, aggregate_type as type from outbox where created_at < $1",
      [options.cutoff],
    );
    for (const row of rows) published.push({ ...row, from: database });
  }
  for (const { group, aggregateTypes } of PLATFORM_CONSUMER_GROUPS) {
    const pool = pools[inboxDatabaseOf(group)];
    if (!pool) continue;
    const { rows } = await pool.query<{ id: string }>(
      "select event_id as id from inbox where consumer_group = $1",
      [group],
    );
    const processed = new Set(rows.map((r) => r.id));
    for (const event of published) {
      if (!aggregateTypes.includes(event.type) || processed.has(event.id)) continue;
      lost.set(
        `delivery:${group}:${event.id}`,
        `${event.type} ${event.id} (${event.from}) never reached group ${group}`,
      );
    }
  }
  return { lost, duplicated };
}
