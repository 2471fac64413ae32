import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";

/** The rows the backfill of identity and learning moves, as COPY statements on both ends. */
const PIPES = [
  {
    target: "identity",
    source: "select id, did, display_name, roles, created_at from users",
    into: "users (id, did, display_name, roles, created_at)",
  },
  {
    target: "learning",
    source: `select id, type, content, duration_seconds, tutor_id, student_id, occurred_at, created_at
               from interactions`,
    into: "interactions (id, type, content, duration_seconds, tutor_id, student_id, occurred_at, created_at)",
  },
  {
    // learning's known_users projection, seeded from legacy users as the backfill's last phase
    target: "learning",
    source: "select id, roles, created_at, created_at from users",
    into: "known_users (user_id, roles, registered_at, learned_at)",
  },
] as const;

export type PipeTargets = { identity: string; learning: string };

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/**
 * The baseline: each legacy table streamed with `COPY (select …) TO STDOUT` straight into
 * `COPY … FROM STDIN` of freshly migrated service databases (binary format, tables emptied
 * first), under the same session settings as the sync's writes (no capture, replica mode).
 * Returns the rows moved and the milliseconds the COPYs took.
 */
export async function runCopyPipe(
  legacyUrl: string,
  targets: PipeTargets,
): Promise<{ rows: number; ms: number }> {
  const source = await connect(legacyUrl);
  const sinks = {
    identity: await connect(targets.identity),
    learning: await connect(targets.learning),
  };
  try {
    for (const sink of Object.values(sinks)) {
      await sink.query("set keiko.sync_origin = 'sync'");
      await sink.query("set session_replication_role = replica");
    }
    await sinks.identity.query("truncate users");
    await sinks.learning.query("truncate interactions, known_users");
    let rows = 0;
    const started = performance.now();
    for (const pipe of PIPES) {
      const reader = source.query(copyTo(`COPY (${pipe.source}) TO STDOUT WITH (FORMAT binary)`));
      const writer = sinks[pipe.target].query(
        copyFrom(`COPY ${pipe.into} FROM STDIN WITH (FORMAT binary)`),
      );
      await pipeline(reader, writer);
      rows += writer.rowCount;
    }
    return { rows, ms: performance.now() - started };
  } finally {
    await Promise.all([source, ...Object.values(sinks)].map((c) => c.end()));
  }
}
