import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOMAIN_NAMES, type DomainName } from "@/lib/contracts/domains";
import { canonicalText } from "@/lib/data-sync/canonical";
import type { SqlRow, TableSide } from "@/lib/data-sync/sync-table";
import { createTestDatabase } from "@/lib/testing/test-database";
import { DOMAIN_TRANSLATORS, findSyncTable } from "./registry";

type Database = Awaited<ReturnType<typeof createTestDatabase>>;

// Legacy answers in a zone with a half-hour offset and the services in UTC, so every timestamp
// crosses the sync in another notation and only the canonical form can call them equal.
const LEGACY_ZONE = "America/St_Johns";

const databases: Database[] = [];
const pools: pg.Pool[] = [];
let legacy: pg.Pool;
const services = {} as Record<DomainName, pg.Pool>;

async function open(folder: string, zone: string): Promise<pg.Pool> {
  const database = await createTestDatabase(folder);
  databases.push(database);
  const pool = new pg.Pool({
    connectionString: database.url,
    max: 2,
    options: `-c timezone=${zone}`,
  });
  pools.push(pool);
  return pool;
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Every row of a table as `to_jsonb` gives it, in primary-key order. */
async function rowsOf(db: pg.Pool | pg.PoolClient, side: TableSide): Promise<SqlRow[]> {
  const order = side.key.map(quoted).join(", ");
  const { rows } = await db.query<{ row: SqlRow }>(
    `select to_jsonb(t) as row from ${quoted(side.table)} t order by ${order}`,
  );
  return rows.map((r) => r.row);
}

/** Writes a translated row the way the sync does: `jsonb_populate_record` of the target table. */
async function writeRow(
  db: pg.Pool | pg.PoolClient,
  table: string,
  row: SqlRow,
  ifAbsent = false,
): Promise<void> {
  const name = quoted(table);
  await db.query(
    `insert into ${name} select * from jsonb_populate_record(null::${name}, $1::jsonb)${
      ifAbsent ? " on conflict do nothing" : ""
    }`,
    [JSON.stringify(row)],
  );
}

/** Plain inserts, as the legacy runtime writes (its clock and zone, its own column names). */
async function insertLegacy(db: pg.Pool | pg.PoolClient, table: string, rows: SqlRow[]) {
  for (const row of rows) {
    const columns = Object.keys(row);
    await db.query(
      `insert into ${quoted(table)} (${columns.map(quoted).join(", ")})
       values (${columns.map((_, i) => `$${i + 1}`).join(", ")})`,
      Object.values(row),
    );
  }
}

/** Runs `work` in a transaction that is always rolled back, so the database stays as it was. */
async function rolledBack<T>(db: pg.Pool, work: (client: pg.PoolClient) => Promise<T>) {
  const client = await db.connect();
  try {
    await client.query("begin");
    return await work(client);
  } finally {
    await client.query("rollback");
    client.release();
  }
}

/** A transaction marked as the sync's own, as its applier marks it (docs/decisions/0011). */
async function asTheSync(client: pg.PoolClient): Promise<void> {
  await client.query("set local session_replication_role = replica");
  await client.query("set local keiko.sync_origin = 'sync'");
}

const ZOE = "0b9a3c1e-6a55-4f0f-9d55-3c6f3a1d2e01";
const TUTOR = "5f1c7a2b-9e0d-4b8a-a3c4-2d6e8f0a1b02";
const UNIVERSITY = "7e2d4c6a-8b0f-4e1a-b2c3-d4e5f6a7b803";
const NEWCOMER = "8f3e5d7b-9c1a-4f2b-8d4e-6a8c0e2f4a14";
const LESSON = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c07";
const PROJECT = "9a4f6e8c-0d2b-4a3c-9e5f-7b9d1f3a5b15";
const DECIDED = "c3a1e5f7-0b2d-4c6e-8a9b-1d3f5e7a9c04";
const OPEN = "6f7a8b9c-0d1e-4f2a-9b4c-5d6e7f8a9b12";
const ALGEBRA = "d4b2f6a8-1c3e-4d7f-9b0a-2e4a6c8e0d05";
const ESSAYS = "a5b7c9d1-2e4f-4a6b-8c0d-1e3f5a7b9c16";
const COMPLETED = "e5c3a7b9-2d4f-4e8a-8c1b-3f5b7d9f1e06";
const BOOKED = "b6c8d0e2-3f5a-4b7c-9d1e-2f4a6b8c0d17";
const CANCELLED = "c7d9e1f3-4a6b-4c8d-8e2f-3a5b7c9d1e18";

/** Realistic legacy rows, parents first: what the monolith holds when a domain's sync starts. */
const LEGACY_FIXTURE: [table: string, rows: SqlRow[]][] = [
  [
    "users",
    [
      {
        id: ZOE,
        did: "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        display_name: 'Zoë O\'Brien "Zo" 🎓',
        roles: ["student", "tutor"],
        created_at: "2026-01-15T08:30:00.123+01:00",
      },
      {
        id: TUTOR,
        did: "did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw",
        display_name: "Ada Tutor",
        roles: ["tutor"],
        created_at: "2025-12-31T23:59:59.999+00:00",
      },
      {
        id: UNIVERSITY,
        did: "did:web:university.example:campus:north",
        display_name: "North Campus",
        roles: ["institution"],
        created_at: "2025-06-01T00:00:00+00:00",
      },
      {
        id: NEWCOMER,
        did: "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG",
        display_name: "N",
        roles: [],
        created_at: "2026-12-01T18:09:36.5+00:00",
      },
    ],
  ],
  [
    "interactions",
    [
      {
        id: LESSON,
        type: "lesson",
        content: "Fractions,\nsecond part",
        duration_seconds: 86_400,
        tutor_id: TUTOR,
        student_id: ZOE,
        occurred_at: "2026-11-30T09:00:00+05:30",
        created_at: "2026-11-30T03:30:00.001+00:00",
      },
      {
        id: PROJECT,
        type: "project",
        content: "A bridge of spaghetti",
        duration_seconds: 1,
        tutor_id: ZOE,
        student_id: NEWCOMER,
        occurred_at: "2026-12-01T12:00:00+00:00",
        created_at: "2026-12-01T12:00:00.999+00:00",
      },
    ],
  ],
  [
    "ratings",
    [
      {
        id: "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d08",
        rater_id: ZOE,
        subject_id: TUTOR,
        stars: 5,
        interaction_id: LESSON,
        created_at: "2026-12-01T10:00:00+00:00",
      },
      {
        id: "3b4c5d6e-7f8a-4b9c-8d0e-2f3a4b5c6d19",
        rater_id: ZOE,
        subject_id: TUTOR,
        stars: 1,
        comment: "Late — twice. 😞",
        session_id: "7a8b9c0d-1e2f-4a3b-8c5d-6e7f8a9b0c13",
        created_at: "2026-10-11T09:00:00.010+00:00",
      },
    ],
  ],
  [
    "reputation_scores",
    [
      {
        user_id: TUTOR,
        rating_count: 2,
        star_sum: 6,
        interaction_count: 1,
        completed_session_count: 1,
        score_hundredths: 4070,
        updated_at: "2026-12-01T10:00:00+00:00",
      },
      {
        user_id: ZOE,
        score_hundredths: 4020,
        interaction_count: 1,
        updated_at: "2026-12-01T12:00:00.999+00:00",
      },
    ],
  ],
  [
    "passport_entries",
    [
      ...[ZOE, TUTOR, UNIVERSITY, NEWCOMER].map((userId, i) => ({
        id: `0000000${i}-aaaa-4bbb-8ccc-dddddddddddd`,
        user_id: userId,
        kind: "registration",
        title: "Joined Keiko",
        source_event_id: `1111111${i}-aaaa-4bbb-8ccc-dddddddddddd`,
        source_key: `registration:${userId}`,
        occurred_at: "2025-06-01T00:00:00+00:00",
      })),
      {
        id: "3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e09",
        user_id: ZOE,
        kind: "interaction",
        title: "Lesson: Fractions",
        description: "Fractions,\nsecond part",
        source_event_id: "4d5e6f7a-8b9c-4d0e-9f2a-3b4c5d6e7f10",
        source_key: `interaction:${LESSON}`,
        learning_seconds: 86_400,
        occurred_at: "2026-11-30T09:00:00+05:30",
        recorded_at: "2026-11-30T03:30:00.002+00:00",
      },
      {
        id: "5e6f7a8b-9c0d-4e1f-8a3b-4c5d6e7f8a11",
        user_id: ZOE,
        kind: "credential",
        title: "Diploma",
        issuer_id: UNIVERSITY,
        occurred_at: "2026-06-30T00:00:00+00:00",
      },
    ],
  ],
  [
    "proposals",
    [
      {
        id: DECIDED,
        title: "Open the library on Sundays",
        description: "",
        proposer_id: ZOE,
        voting_starts_at: "2026-11-01T00:00:00+00:00",
        voting_ends_at: "2026-11-08T00:00:00+00:00",
        yes_votes: 1,
        no_votes: 0,
        abstain_votes: 1,
        outcome: "accepted",
        decided_at: "2026-11-08T00:00:00.001+00:00",
        created_at: "2026-10-31T12:00:00+00:00",
      },
      {
        id: OPEN,
        title: "Still open",
        description: "No votes yet",
        proposer_id: TUTOR,
        voting_starts_at: "2026-12-01T00:00:00+00:00",
        voting_ends_at: "2027-01-01T00:00:00+00:00",
        yes_votes: 0,
        no_votes: 1,
        abstain_votes: 0,
      },
    ],
  ],
  [
    "votes",
    [
      { proposal_id: DECIDED, voter_id: ZOE, choice: "yes", cast_at: "2026-11-01T00:00:00+00:00" },
      {
        proposal_id: DECIDED,
        voter_id: TUTOR,
        choice: "abstain",
        cast_at: "2026-11-02T08:15:00.250+01:00",
      },
      { proposal_id: OPEN, voter_id: ZOE, choice: "no", cast_at: "2026-12-01T18:09:36.544+00:00" },
    ],
  ],
  [
    "offers",
    [
      {
        id: ALGEBRA,
        tutor_id: TUTOR,
        title: "Algebra, from zero",
        subject: "mathematics",
        duration_minutes: 45,
        price_amount_minor: 0,
        price_currency: "EUR",
        status: "active",
        created_at: "2026-10-01T07:00:00+00:00",
      },
      {
        id: ESSAYS,
        tutor_id: ZOE,
        title: "Essays",
        subject: "writing",
        description: "Structure, then style",
        duration_minutes: 90,
        price_amount_minor: 2_147_483_647,
        price_currency: "JPY",
        status: "withdrawn",
        created_at: "2026-10-01T07:00:00.5+09:00",
      },
    ],
  ],
  [
    "bookings",
    [
      {
        id: COMPLETED,
        offer_id: ALGEBRA,
        tutor_id: TUTOR,
        student_id: ZOE,
        scheduled_at: "2026-10-10T16:00:00+02:00",
        status: "completed",
        created_at: "2026-10-02T07:00:00+00:00",
      },
      {
        id: BOOKED,
        offer_id: ALGEBRA,
        tutor_id: TUTOR,
        student_id: NEWCOMER,
        scheduled_at: "2027-01-10T16:00:00+00:00",
        status: "booked",
        created_at: "2026-12-01T18:09:36.544+00:00",
      },
      {
        id: CANCELLED,
        offer_id: ESSAYS,
        tutor_id: ZOE,
        student_id: NEWCOMER,
        scheduled_at: "2026-11-10T16:00:00+00:00",
        status: "cancelled",
        created_at: "2026-11-01T00:00:00+00:00",
      },
    ],
  ],
  [
    "sessions",
    [
      {
        id: "7a8b9c0d-1e2f-4a3b-8c5d-6e7f8a9b0c13",
        booking_id: COMPLETED,
        offer_id: ALGEBRA,
        tutor_id: TUTOR,
        student_id: ZOE,
        duration_seconds: 2_700,
        completed_at: "2026-10-10T14:45:00.000+00:00",
      },
    ],
  ],
];

beforeAll(async () => {
  const [legacyPool, ...servicePools] = await Promise.all([
    open("legacy", LEGACY_ZONE),
    ...DOMAIN_NAMES.map((domain) => open(domain, "UTC")),
  ]);
  if (!legacyPool) throw new Error("no legacy database");
  legacy = legacyPool;
  DOMAIN_NAMES.forEach((domain, i) => {
    const pool = servicePools[i];
    if (pool) services[domain] = pool;
  });
  for (const [table, rows] of LEGACY_FIXTURE) await insertLegacy(legacy, table, rows);
});

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  await Promise.all(databases.map((database) => database.drop()));
});

const PROJECTIONS = DOMAIN_NAMES.flatMap((domain) =>
  DOMAIN_TRANSLATORS[domain].projections.map((seed) => ({
    domain,
    seed,
    name: `${domain}.${seed.service.table} ← legacy ${seed.legacy.table}`,
  })),
);

const SYNCED = DOMAIN_NAMES.flatMap((domain) =>
  DOMAIN_TRANSLATORS[domain].tables.map((table) => ({
    domain,
    table,
    name: `${domain}: legacy ${table.legacy.table} → service ${table.service.table} → legacy`,
  })),
);

// Seeds first: passport entries reference the passports the seed opens.
describe("projection seeds through PostgreSQL", () => {
  for (const { domain, seed, name } of PROJECTIONS) {
    it(name, async () => {
      const source = await rowsOf(legacy, seed.legacy);
      expect(source.length).toBeGreaterThan(0);
      const built = source.map((row) => seed.build(row));
      for (const row of built) await writeRow(services[domain], seed.service.table, row, true);
      // A second seed (a backfill restarted) leaves the rows as they are.
      for (const row of built) await writeRow(services[domain], seed.service.table, row, true);
      const stored = await rowsOf(services[domain], seed.service);
      expect(stored.map(canonicalText)).toEqual(built.map(canonicalText));
    });
  }
});

describe("synced tables through PostgreSQL", () => {
  for (const { domain, table, name } of SYNCED) {
    it(name, async () => {
      const originals = await rowsOf(legacy, table.legacy);
      expect(originals.length).toBeGreaterThan(0);
      const translated = originals.map((row) => table.toService(row));
      for (const row of translated) await writeRow(services[domain], table.service.table, row);

      const stored = await rowsOf(services[domain], table.service);
      // What the verifier compares: the legacy row in the service's shape against the service row.
      expect(stored.map(canonicalText)).toEqual(translated.map(canonicalText));
      expect(stored.map((row) => canonicalText(table.toLegacy(row)))).toEqual(
        originals.map(canonicalText),
      );

      // Back the other way, as the service → legacy direction writes it over the original rows.
      const rewritten = await rolledBack(legacy, async (client) => {
        await asTheSync(client);
        const keys = table.legacy.key;
        for (const row of stored) {
          const match = keys
            .map((column, i) => `${quoted(column)}::text = $${i + 1}`)
            .join(" and ");
          await client.query(
            `delete from ${quoted(table.legacy.table)} where ${match}`,
            keys.map((column) => String(row[column])),
          );
          await writeRow(client, table.legacy.table, table.toLegacy(row));
        }
        return rowsOf(client, table.legacy);
      });
      expect(rewritten.map(canonicalText)).toEqual(originals.map(canonicalText));
    });
  }

  it("carries timestamps in another offset notation than they arrived in", async () => {
    const users = findSyncTable("identity", "legacy", "users");
    if (!users) throw new Error("identity syncs no users");
    const [legacyRow] = await rowsOf(legacy, users.legacy);
    const [serviceRow] = await rowsOf(services.identity, users.service);
    expect(legacyRow?.created_at).toMatch(/-0[23]:30$/);
    expect(serviceRow?.created_at).toMatch(/\+00:00$/);
    expect(canonicalText(serviceRow ?? {})).toBe(canonicalText(legacyRow ?? {}));
  });
});

/**
 * Legacy rows the legacy schema accepts and the service's CHECK constraints reject, inserted and
 * read inside a rolled-back legacy transaction; each must fail at the service's insert even in
 * replica mode, which is how the sync knows to quarantine it.
 */
const RULE_BREAKERS: {
  name: string;
  domain: DomainName;
  table: string;
  row: SqlRow;
  constraint: string;
}[] = [
  {
    name: "a rating of 7 stars",
    domain: "reputation",
    table: "ratings",
    row: {
      id: "4c5d6e7f-8a9b-4c0d-9e1f-3a4b5c6d7e20",
      rater_id: ZOE,
      subject_id: TUTOR,
      stars: 7,
      created_at: "2026-12-01T18:09:36.544+00:00",
    },
    constraint: "ratings_stars_1_to_5",
  },
  {
    name: "a vote that is neither yes, no nor abstain",
    domain: "governance",
    table: "votes",
    row: { proposal_id: OPEN, voter_id: TUTOR, choice: "maybe", cast_at: "2026-12-02T00:00:00Z" },
    constraint: "votes_choice",
  },
  {
    name: "a tutor booking their own offer",
    domain: "marketplace",
    table: "bookings",
    row: {
      id: "d8e0f2a4-5b7c-4d9e-8f3a-4b6c8d0e2f21",
      offer_id: ALGEBRA,
      tutor_id: TUTOR,
      student_id: TUTOR,
      scheduled_at: "2027-02-01T10:00:00Z",
      status: "booked",
    },
    constraint: "bookings_not_own_offer",
  },
];

describe("legacy rows that break a service rule", () => {
  for (const breaker of RULE_BREAKERS) {
    it(`${breaker.name} fails at the insert with check_violation`, async () => {
      const table = findSyncTable(breaker.domain, "legacy", breaker.table);
      if (!table) throw new Error(`${breaker.domain} syncs no ${breaker.table}`);
      const [legacyRow] = await rolledBack(legacy, async (client) => {
        await insertLegacy(client, breaker.table, [breaker.row]);
        const keys = table.legacy.key;
        const match = keys
          .map((column, i) => `t.${quoted(column)}::text = $${i + 1}`)
          .join(" and ");
        const { rows } = await client.query<{ row: SqlRow }>(
          `select to_jsonb(t) as row from ${quoted(breaker.table)} t where ${match}`,
          keys.map((column) => String(breaker.row[column])),
        );
        return rows.map((r) => r.row);
      });
      if (!legacyRow) throw new Error("the legacy schema refused the row");
      const translated = table.toService(legacyRow);

      await rolledBack(services[breaker.domain], async (client) => {
        await asTheSync(client);
        await expect(writeRow(client, table.service.table, translated)).rejects.toMatchObject({
          code: "23514",
          constraint: breaker.constraint,
        });
      });
    });
  }
});
