import type pg from "pg";
import { type Paced, startPaced } from "./pacer";
import { type SeedSize, seededId } from "./seed";

export type LegacyWriter = { paced: Paced; ok: () => number; failed: () => number };

const random = (max: number) => 1 + Math.floor(Math.random() * max);

/**
 * Client writes on the legacy side at `rate` per second, so the change stream has work while
 * the backfill runs: of every 10, 4 new interactions, 3 interaction updates, 2 user updates
 * and 1 new user — the tables the backfill copies.
 */
export function startLegacyWriter(legacy: pg.Pool, size: SeedSize, rate: number): LegacyWriter {
  let ok = 0;
  let failed = 0;
  const write = (index: number): [string, unknown[]] => {
    const kind = index % 10;
    if (kind < 4) {
      return [
        `insert into interactions (id, type, content, duration_seconds, tutor_id, student_id, occurred_at)
         values (gen_random_uuid(), 'lesson', 'live lesson', 900, ${seededId("u", "$1::int")},
                 ${seededId("u", "$2::int")}, now())`,
        [random(size.users), random(size.users)],
      ];
    }
    if (kind < 7) {
      return [
        `update interactions set content = $2 where id = ${seededId("i", "$1::int")}`,
        [random(size.interactions), `edited at ${Date.now()}`],
      ];
    }
    if (kind < 9) {
      return [
        `update users set display_name = $2 where id = ${seededId("u", "$1::int")}`,
        [random(size.users), `Renamed ${Date.now()}`],
      ];
    }
    return [
      `insert into users (id, did, display_name, roles)
       values (gen_random_uuid(), 'did:key:z6Mk' || md5(random()::text), 'Live user', array['student'])`,
      [],
    ];
  };
  const paced = startPaced(rate, async (index) => {
    const [sql, params] = write(index);
    try {
      await legacy.query(sql, params);
      ok += 1;
    } catch (error) {
      failed += 1;
      throw error;
    }
  });
  return { paced, ok: () => ok, failed: () => failed };
}
