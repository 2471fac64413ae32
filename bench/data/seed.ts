import type pg from "pg";

/**
 * A version-4-shaped UUID derived from `prefix` and the SQL integer expression `n`, so the seed
 * and the live writer name the same rows without keeping their ids.
 */
export const seededId = (prefix: string, n: string) =>
  `overlay(overlay(md5('${prefix}' || ${n}) placing '4' from 13) placing '8' from 17)::uuid`;

export type SeedSize = { users: number; interactions: number };

/**
 * Fills the legacy identity `users` and learning `interactions` (each interaction between two
 * seeded users) as rows that already existed before the migration: written with the sync's
 * origin, so the capture trigger records nothing and only the backfill can carry them.
 */
export async function seedLegacy(legacy: pg.Pool, size: SeedSize): Promise<void> {
  const client = await legacy.connect();
  try {
    await client.query("begin");
    await client.query("set local keiko.sync_origin = 'sync'");
    await client.query(
      `insert into users (id, did, display_name, roles, created_at)
       select ${seededId("u", "i")}, 'did:key:z6Mk' || md5('d' || i), 'Seeded user ' || i,
              case i % 3 when 0 then array['student'] when 1 then array['tutor']
                else array['student', 'tutor'] end,
              now() - make_interval(secs => i)
         from generate_series(1, $1::int) i`,
      [size.users],
    );
    await client.query(
      `insert into interactions
         (id, type, content, duration_seconds, tutor_id, student_id, occurred_at, created_at)
       select ${seededId("i", "j")},
              (array['lesson', 'exercise', 'assessment', 'mentoring', 'project'])[1 + j % 5],
              'Seeded interaction ' || j || ': fractions, decimals and percentages, with notes',
              60 + j % 3600, ${seededId("u", "1 + j % $1::int")},
              ${seededId("u", "1 + (j * 7919) % $1::int")},
              now() - make_interval(secs => j), now() - make_interval(secs => j)
         from generate_series(1, $2::int) j`,
      [size.users, size.interactions],
    );
    await client.query("commit");
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  await legacy.query("analyze users, interactions");
}
