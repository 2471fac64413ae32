import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DOMAIN_NAMES, type DomainName } from "@/lib/contracts/domains";
import { canonicalRow, canonicalText, canonicalTimestamp } from "@/lib/data-sync/canonical";
import { type SqlRow, type SyncTable, TranslationError } from "@/lib/data-sync/sync-table";
import { DOMAIN_TRANSLATORS, findSyncTable, ownerOfLegacyTable, translatorOf } from "./registry";

type Column = { name: string; notNull: boolean };

/**
 * The columns of every table of `drizzle/<folder>` as its migrations leave them (CREATE TABLE
 * and ADD COLUMN), so these tests follow the schema without a database.
 */
function migratedColumns(folder: string): Map<string, Column[]> {
  const directory = path.join(process.cwd(), "drizzle", folder);
  const tables = new Map<string, Column[]>();
  const column = (definition: string): Column | undefined => {
    const match = /^\s*"([a-z_0-9]+)"\s+(.*)$/.exec(definition);
    if (!match?.[1] || !match[2] || match[2].startsWith("PRIMARY KEY(")) return undefined;
    return { name: match[1], notNull: /NOT NULL|PRIMARY KEY/.test(match[2]) };
  };
  for (const file of readdirSync(directory)
    .filter((name) => name.endsWith(".sql"))
    .sort()) {
    const sql = readFileSync(path.join(directory, file), "utf8");
    for (const [, table = "", body = ""] of sql.matchAll(
      /CREATE TABLE "(\w+)" \(\n([\s\S]*?)\n\);/g,
    )) {
      const columns = body.split(",\n").flatMap((line) => column(line) ?? []);
      tables.set(table, columns);
    }
    for (const [, table = "", definition = ""] of sql.matchAll(
      /ALTER TABLE "(\w+)" ADD COLUMN ([^;]*?);/g,
    )) {
      const added = column(definition);
      if (added) tables.get(table)?.push(added);
    }
  }
  return tables;
}

const LEGACY_COLUMNS = migratedColumns("legacy");

function columnsOf(folder: string, table: string): Column[] {
  const columns = (folder === "legacy" ? LEGACY_COLUMNS : migratedColumns(folder)).get(table);
  if (!columns) throw new Error(`drizzle/${folder} has no table ${table}`);
  return columns;
}

const USER_ID = "0b9a3c1e-6a55-4f0f-9d55-3c6f3a1d2e01";
const TUTOR_ID = "5f1c7a2b-9e0d-4b8a-a3c4-2d6e8f0a1b02";
const INSTITUTION_ID = "7e2d4c6a-8b0f-4e1a-b2c3-d4e5f6a7b803";
const PROPOSAL_ID = "c3a1e5f7-0b2d-4c6e-8a9b-1d3f5e7a9c04";
const OFFER_ID = "d4b2f6a8-1c3e-4d7f-9b0a-2e4a6c8e0d05";
const BOOKING_ID = "e5c3a7b9-2d4f-4e8a-8c1b-3f5b7d9f1e06";

/** Each synced table with a realistic row on both sides, keyed by the legacy table's name. */
const PAIRS: Record<string, { legacy: SqlRow; service: SqlRow }[]> = {
  users: [
    {
      legacy: {
        id: USER_ID,
        did: "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        display_name: 'Zoë O\'Brien "Zo" 🎓',
        roles: ["student", "tutor"],
        created_at: "2026-12-01T18:09:36.544+00:00",
      },
      service: {
        id: USER_ID,
        did: "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        display_name: 'Zoë O\'Brien "Zo" 🎓',
        roles: ["student", "tutor"],
        created_at: "2026-12-01T18:09:36.544+00:00",
      },
    },
    {
      legacy: {
        id: INSTITUTION_ID,
        did: "did:web:university.example",
        display_name: "University",
        roles: [],
        created_at: "1999-12-31T23:59:59.999-03:30",
      },
      service: {
        id: INSTITUTION_ID,
        did: "did:web:university.example",
        display_name: "University",
        roles: [],
        created_at: "1999-12-31T23:59:59.999-03:30",
      },
    },
  ],
  interactions: [
    {
      legacy: {
        id: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c07",
        type: "lesson",
        content: "Fractions,\nsecond part",
        duration_seconds: 86_400,
        tutor_id: TUTOR_ID,
        student_id: USER_ID,
        occurred_at: "2026-11-30T09:00:00+05:30",
        created_at: "2026-11-30T03:30:00.001+00:00",
      },
      service: {
        id: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c07",
        type: "lesson",
        content: "Fractions,\nsecond part",
        duration_seconds: 86_400,
        tutor_id: TUTOR_ID,
        student_id: USER_ID,
        occurred_at: "2026-11-30T09:00:00+05:30",
        created_at: "2026-11-30T03:30:00.001+00:00",
      },
    },
  ],
  ratings: [
    {
      legacy: {
        id: "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d08",
        rater_id: USER_ID,
        subject_id: TUTOR_ID,
        stars: 5,
        comment: null,
        session_id: null,
        interaction_id: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c07",
        created_at: "2026-12-01T10:00:00.000+00:00",
      },
      service: {
        id: "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d08",
        rater_id: USER_ID,
        subject_id: TUTOR_ID,
        stars: 5,
        comment: null,
        session_id: null,
        interaction_id: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c07",
        created_at: "2026-12-01T10:00:00.000+00:00",
      },
    },
  ],
  reputation_scores: [
    {
      legacy: {
        user_id: TUTOR_ID,
        rating_count: 0,
        star_sum: 0,
        interaction_count: 51,
        completed_session_count: 2_147_483_647,
        score_hundredths: 10_000,
        updated_at: "2026-12-01T18:09:36.5+00:00",
      },
      service: {
        user_id: TUTOR_ID,
        rating_count: 0,
        star_sum: 0,
        interaction_count: 51,
        completed_session_count: 2_147_483_647,
        score_hundredths: 10_000,
        updated_at: "2026-12-01T18:09:36.5+00:00",
      },
    },
  ],
  passport_entries: [
    {
      legacy: {
        id: "3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e09",
        user_id: USER_ID,
        kind: "interaction",
        title: "Lesson: Fractions",
        description: "Fractions,\nsecond part",
        source_event_id: "4d5e6f7a-8b9c-4d0e-9f2a-3b4c5d6e7f10",
        source_key: "interaction:1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c07",
        issuer_id: null,
        learning_seconds: 3_600,
        occurred_at: "2026-11-30T09:00:00+05:30",
        recorded_at: "2026-11-30T03:30:00.002+00:00",
      },
      service: {
        id: "3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e09",
        user_id: USER_ID,
        kind: "interaction",
        title: "Lesson: Fractions",
        description: "Fractions,\nsecond part",
        source_event_id: "4d5e6f7a-8b9c-4d0e-9f2a-3b4c5d6e7f10",
        source_key: "interaction:1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c07",
        issuer_id: null,
        duration_seconds: 3_600,
        occurred_at: "2026-11-30T09:00:00+05:30",
        recorded_at: "2026-11-30T03:30:00.002+00:00",
      },
    },
    {
      legacy: {
        id: "5e6f7a8b-9c0d-4e1f-8a3b-4c5d6e7f8a11",
        user_id: USER_ID,
        kind: "credential",
        title: "Diploma",
        description: null,
        source_event_id: null,
        source_key: null,
        issuer_id: INSTITUTION_ID,
        learning_seconds: 0,
        occurred_at: "2026-06-30T00:00:00+00:00",
        recorded_at: "2026-12-01T18:09:36.544+00:00",
      },
      service: {
        id: "5e6f7a8b-9c0d-4e1f-8a3b-4c5d6e7f8a11",
        user_id: USER_ID,
        kind: "credential",
        title: "Diploma",
        description: null,
        source_event_id: null,
        source_key: null,
        issuer_id: INSTITUTION_ID,
        duration_seconds: 0,
        occurred_at: "2026-06-30T00:00:00+00:00",
        recorded_at: "2026-12-01T18:09:36.544+00:00",
      },
    },
  ],
  proposals: [
    {
      legacy: {
        id: PROPOSAL_ID,
        title: "Open the library on Sundays",
        description: "",
        proposer_id: USER_ID,
        voting_starts_at: "2026-11-01T00:00:00+00:00",
        voting_ends_at: "2026-11-08T00:00:00+00:00",
        yes_votes: 2,
        no_votes: 1,
        abstain_votes: 0,
        outcome: "accepted",
        decided_at: "2026-11-08T00:00:00.001+00:00",
        created_at: "2026-10-31T12:00:00+00:00",
      },
      service: {
        id: PROPOSAL_ID,
        title: "Open the library on Sundays",
        description: "",
        proposer_id: USER_ID,
        voting_starts_at: "2026-11-01T00:00:00+00:00",
        voting_ends_at: "2026-11-08T00:00:00+00:00",
        yes_count: 2,
        no_count: 1,
        abstain_count: 0,
        outcome: "accepted",
        decided_at: "2026-11-08T00:00:00.001+00:00",
        created_at: "2026-10-31T12:00:00+00:00",
      },
    },
    {
      legacy: {
        id: "6f7a8b9c-0d1e-4f2a-9b4c-5d6e7f8a9b12",
        title: "Still open",
        description: "No votes yet",
        proposer_id: TUTOR_ID,
        voting_starts_at: "2026-12-01T00:00:00+00:00",
        voting_ends_at: "2027-01-01T00:00:00+00:00",
        yes_votes: 0,
        no_votes: 0,
        abstain_votes: 0,
        outcome: null,
        decided_at: null,
        created_at: "2026-11-30T23:00:00+00:00",
      },
      service: {
        id: "6f7a8b9c-0d1e-4f2a-9b4c-5d6e7f8a9b12",
        title: "Still open",
        description: "No votes yet",
        proposer_id: TUTOR_ID,
        voting_starts_at: "2026-12-01T00:00:00+00:00",
        voting_ends_at: "2027-01-01T00:00:00+00:00",
        yes_count: 0,
        no_count: 0,
        abstain_count: 0,
        outcome: null,
        decided_at: null,
        created_at: "2026-11-30T23:00:00+00:00",
      },
    },
  ],
  votes: [
    {
      legacy: {
        proposal_id: PROPOSAL_ID,
        voter_id: TUTOR_ID,
        choice: "abstain",
        cast_at: "2026-11-02T08:15:00.250+01:00",
      },
      service: {
        proposal_id: PROPOSAL_ID,
        voter_id: TUTOR_ID,
        choice: "abstain",
        cast_at: "2026-11-02T08:15:00.250+01:00",
      },
    },
  ],
  offers: [
    {
      legacy: {
        id: OFFER_ID,
        tutor_id: TUTOR_ID,
        title: "Algebra, from zero",
        subject: "mathematics",
        description: null,
        duration_minutes: 45,
        price_amount_minor: 0,
        price_currency: "EUR",
        status: "withdrawn",
        created_at: "2026-10-01T07:00:00+00:00",
      },
      service: {
        id: OFFER_ID,
        tutor_id: TUTOR_ID,
        title: "Algebra, from zero",
        subject: "mathematics",
        description: null,
        duration_minutes: 45,
        price_amount_minor: 0,
        price_currency: "EUR",
        status: "withdrawn",
        created_at: "2026-10-01T07:00:00+00:00",
      },
    },
  ],
  bookings: [
    {
      legacy: {
        id: BOOKING_ID,
        offer_id: OFFER_ID,
        tutor_id: TUTOR_ID,
        student_id: USER_ID,
        scheduled_at: "2026-10-10T16:00:00+02:00",
        status: "completed",
        created_at: "2026-10-02T07:00:00+00:00",
      },
      service: {
        id: BOOKING_ID,
        offer_id: OFFER_ID,
        tutor_id: TUTOR_ID,
        student_id: USER_ID,
        scheduled_at: "2026-10-10T16:00:00+02:00",
        status: "completed",
        created_at: "2026-10-02T07:00:00+00:00",
      },
    },
  ],
  sessions: [
    {
      legacy: {
        id: "7a8b9c0d-1e2f-4a3b-8c5d-6e7f8a9b0c13",
        booking_id: BOOKING_ID,
        offer_id: OFFER_ID,
        tutor_id: TUTOR_ID,
        student_id: USER_ID,
        duration_seconds: 2_700,
        completed_at: "2026-10-10T14:45:00.000+00:00",
      },
      service: {
        id: "7a8b9c0d-1e2f-4a3b-8c5d-6e7f8a9b0c13",
        booking_id: BOOKING_ID,
        offer_id: OFFER_ID,
        tutor_id: TUTOR_ID,
        student_id: USER_ID,
        duration_seconds: 2_700,
        completed_at: "2026-10-10T14:45:00.000+00:00",
      },
    },
  ],
};

/** The legacy tables of the data-sync design and the domain that owns each. */
const OWNERS: Record<string, DomainName> = {
  users: "identity",
  interactions: "learning",
  ratings: "reputation",
  reputation_scores: "reputation",
  passport_entries: "passport",
  proposals: "governance",
  votes: "governance",
  offers: "marketplace",
  bookings: "marketplace",
  sessions: "marketplace",
};

const SYNCED = DOMAIN_NAMES.flatMap((domain) =>
  DOMAIN_TRANSLATORS[domain].tables.map((table) => ({
    domain,
    table,
    name: `${domain}: legacy ${table.legacy.table} ↔ service ${table.service.table}`,
  })),
);

const PROJECTIONS = DOMAIN_NAMES.flatMap((domain) =>
  DOMAIN_TRANSLATORS[domain].projections.map((seed) => ({
    domain,
    seed,
    name: `${domain}: ${seed.service.table} ← legacy ${seed.legacy.table}`,
  })),
);

function pairsOf(table: SyncTable) {
  const pairs = PAIRS[table.legacy.table];
  if (!pairs) throw new Error(`no fixture rows for ${table.legacy.table}`);
  return pairs;
}

/** A legacy row of `table` with every column the migrations give it, from the fixtures. */
function fullLegacyRow(table: string): SqlRow {
  const row = PAIRS[table]?.[0]?.legacy;
  if (!row) throw new Error(`no fixture rows for ${table}`);
  return row;
}

describe("the registry", () => {
  it("has a translator for each of the six domains, under its own name", () => {
    expect(Object.keys(DOMAIN_TRANSLATORS).sort()).toEqual([...DOMAIN_NAMES].sort());
    for (const domain of DOMAIN_NAMES) {
      expect(translatorOf(domain).domain).toBe(domain);
    }
  });

  it("syncs each legacy table of the design exactly once, in the domain that owns it", () => {
    const synced = SYNCED.map(({ domain, table }) => [table.legacy.table, domain]);
    expect(synced.map(([table]) => table).sort()).toEqual(Object.keys(OWNERS).sort());
    expect(Object.fromEntries(synced)).toEqual(OWNERS);
    for (const [table, domain] of Object.entries(OWNERS)) {
      expect(ownerOfLegacyTable(table)).toBe(domain);
    }
    expect(ownerOfLegacyTable("outbox")).toBeUndefined();
  });

  it("lists parents before their children", () => {
    const order = (domain: DomainName) =>
      translatorOf(domain).tables.map((table) => table.service.table);
    expect(order("governance")).toEqual(["proposals", "votes"]);
    expect(order("marketplace")).toEqual(["offers", "bookings", "sessions"]);
  });

  it("finds a synced table by either side's name", () => {
    expect(findSyncTable("reputation", "legacy", "reputation_scores")?.service.table).toBe(
      "scores",
    );
    expect(findSyncTable("reputation", "service", "scores")?.legacy.table).toBe(
      "reputation_scores",
    );
    expect(findSyncTable("reputation", "legacy", "scores")).toBeUndefined();
    expect(findSyncTable("identity", "service", "passport_entries")).toBeUndefined();
  });
});

for (const { domain, table, name } of SYNCED) {
  describe(name, () => {
    it("maps every column of the legacy table to a column of the service table", () => {
      const legacyColumns = columnsOf("legacy", table.legacy.table).map((c) => c.name);
      const serviceColumns = columnsOf(domain, table.service.table).map((c) => c.name);
      const row = fullLegacyRow(table.legacy.table);
      expect(Object.keys(row).sort()).toEqual([...legacyColumns].sort());
      expect(Object.keys(table.toService(row)).sort()).toEqual([...serviceColumns].sort());
    });

    it("names the primary keys of both sides", () => {
      const keyOf = (folder: string, name: string) =>
        columnsOf(folder, name)
          .filter((c) => c.notNull)
          .map((c) => c.name);
      for (const column of table.legacy.key) {
        expect(keyOf("legacy", table.legacy.table)).toContain(column);
      }
      for (const column of table.service.key) {
        expect(keyOf(domain, table.service.table)).toContain(column);
      }
    });

    it("translates legacy rows to the service rows and back, both ways", () => {
      for (const { legacy, service } of pairsOf(table)) {
        expect(table.toService(legacy)).toEqual(service);
        expect(table.toLegacy(service)).toEqual(legacy);
        expect(table.toLegacy(table.toService(legacy))).toEqual(legacy);
        expect(table.toService(table.toLegacy(service))).toEqual(service);
      }
    });

    it("translates a key alone, as a delete carries it", () => {
      const [first] = pairsOf(table);
      const key = Object.fromEntries(
        table.legacy.key.map((column) => [column, first?.legacy[column]]),
      );
      const serviceKey = Object.fromEntries(
        table.service.key.map((column) => [column, first?.service[column]]),
      );
      expect(table.toService(key)).toEqual(serviceKey);
      expect(table.toLegacy(serviceKey)).toEqual(key);
    });

    it("refuses a column it does not know, on either side, rather than drop it", () => {
      const [first] = pairsOf(table);
      expect(() => table.toService({ ...first?.legacy, shoe_size: 44 })).toThrow(TranslationError);
      expect(() => table.toLegacy({ ...first?.service, shoe_size: 44 })).toThrow(
        /unknown column "shoe_size"/,
      );
    });
  });
}

describe("renamed columns", () => {
  it("carries legacy learning_seconds as the passport's duration_seconds", () => {
    const entries = findSyncTable("passport", "legacy", "passport_entries");
    expect(entries?.toService({ id: "x", learning_seconds: 0 })).toEqual({
      id: "x",
      duration_seconds: 0,
    });
  });

  it("carries legacy <choice>_votes tallies as governance's <choice>_count", () => {
    const proposals = findSyncTable("governance", "service", "proposals");
    expect(proposals?.toLegacy({ yes_count: 3, no_count: 2, abstain_count: 1 })).toEqual({
      yes_votes: 3,
      no_votes: 2,
      abstain_votes: 1,
    });
  });

  it("refuses a row that is not an object", () => {
    const users = findSyncTable("identity", "legacy", "users");
    expect(() => users?.toService(null as unknown as SqlRow)).toThrow(TranslationError);
    expect(() => users?.toService([] as unknown as SqlRow)).toThrow(TranslationError);
  });
});

for (const { domain, seed, name } of PROJECTIONS) {
  describe(`projection ${name}`, () => {
    it("builds a row with exactly the columns of its table, every NOT NULL one set", () => {
      const columns = columnsOf(domain, seed.service.table);
      const built = seed.build(fullLegacyRow(seed.legacy.table));
      expect(Object.keys(built).sort()).toEqual(columns.map((c) => c.name).sort());
      for (const column of columns.filter((c) => c.notNull)) {
        expect(built[column.name], column.name).not.toBeNull();
        expect(built[column.name], column.name).toBeDefined();
      }
      for (const key of seed.service.key) expect(columns.map((c) => c.name)).toContain(key);
    });

    it("refuses a legacy row that lacks a column it reads", () => {
      const { [seed.legacy.key[0] ?? ""]: _key, ...keyless } = fullLegacyRow(seed.legacy.table);
      expect(() => seed.build(keyless)).toThrow(TranslationError);
    });
  });
}

describe("projection rows", () => {
  const seedOf = (domain: DomainName, table: string) => {
    const seed = translatorOf(domain).projections.find((p) => p.service.table === table);
    if (!seed) throw new Error(`${domain} seeds no ${table}`);
    return seed;
  };
  const user = fullLegacyRow("users");

  it("open a passport with the user's roles, at registration", () => {
    expect(seedOf("passport", "passports").build(user)).toEqual({
      user_id: USER_ID,
      roles: ["student", "tutor"],
      opened_at: "2026-12-01T18:09:36.544+00:00",
    });
  });

  it("know users and members from their registration", () => {
    const registered = {
      user_id: USER_ID,
      roles: ["student", "tutor"],
      registered_at: "2026-12-01T18:09:36.544+00:00",
    };
    expect(seedOf("marketplace", "known_users").build(user)).toEqual(registered);
    expect(seedOf("governance", "members").build(user)).toEqual(registered);
    expect(seedOf("learning", "known_users").build(user)).toEqual({
      ...registered,
      learned_at: "2026-12-01T18:09:36.544+00:00",
    });
  });

  it("put the marketplace's score on reputation.ScoreChanged's 0–100 scale", () => {
    const scores = seedOf("marketplace", "reputation_scores");
    const build = (hundredths: number) =>
      scores.build({ ...fullLegacyRow("reputation_scores"), score_hundredths: hundredths });
    expect(build(10_000)).toEqual({
      user_id: TUTOR_ID,
      score: 100,
      changed_at: "2026-12-01T18:09:36.5+00:00",
    });
    expect(build(4_000).score).toBe(40);
    expect(build(5_667).score).toBe(56.67);
    expect(build(0).score).toBe(0);
    expect(() => build(12.5)).toThrow(TranslationError);
  });

  it("count the tutoring a score is made of, recorded when legacy counted it", () => {
    expect(
      seedOf("reputation", "taught_interactions").build(fullLegacyRow("interactions")),
    ).toEqual({
      interaction_id: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c07",
      tutor_id: TUTOR_ID,
      student_id: USER_ID,
      occurred_at: "2026-11-30T09:00:00+05:30",
      recorded_at: "2026-11-30T03:30:00.001+00:00",
    });
    expect(seedOf("reputation", "completed_sessions").build(fullLegacyRow("sessions"))).toEqual({
      session_id: "7a8b9c0d-1e2f-4a3b-8c5d-6e7f8a9b0c13",
      tutor_id: TUTOR_ID,
      student_id: USER_ID,
      completed_at: "2026-10-10T14:45:00.000+00:00",
      recorded_at: "2026-10-10T14:45:00.000+00:00",
    });
  });
});

describe("the canonical form", () => {
  it("writes an instant the same whatever its offset notation", () => {
    const instant = "2026-12-01T18:09:36.544Z";
    for (const text of [
      "2026-12-01T18:09:36.544+00:00",
      "2026-12-01T18:09:36.544Z",
      "2026-12-01 18:09:36.544+00",
      "2026-12-01T23:39:36.544+05:30",
      "2026-12-01T15:39:36.544-02:30",
      "2026-12-01T20:09:36.544+0200",
      "2026-12-01T18:09:36.544000+00:00",
    ]) {
      expect(canonicalTimestamp(text), text).toBe(instant);
    }
    expect(canonicalTimestamp("2026-12-01T18:09:36+00:00")).toBe("2026-12-01T18:09:36.000Z");
    expect(canonicalTimestamp("2026-12-01T18:09:36.5+00:00")).toBe("2026-12-01T18:09:36.500Z");
    expect(canonicalTimestamp("1890-01-01T00:09:21+00:09:21")).toBe("1890-01-01T00:00:00.000Z");
    expect(canonicalTimestamp("0099-01-01T00:00:00+00:00")).toBe("0099-01-01T00:00:00.000Z");
  });

  it("keeps digits below the millisecond, so instants that differ there stay different", () => {
    expect(canonicalTimestamp("2026-12-01T18:09:36.544123+00:00")).toBe(
      "2026-12-01T18:09:36.544123Z",
    );
  });

  it("leaves text that is not an instant with a zone as it is", () => {
    for (const text of ["2026-12-01", "2026-12-01T18:09:36", "infinity", "lesson", "12:00+01"]) {
      expect(canonicalTimestamp(text)).toBeUndefined();
      expect(canonicalRow({ value: text })).toEqual({ value: text });
    }
  });

  it("sorts keys, drops nulls and keeps arrays and numbers as they are", () => {
    const row = {
      z: 1,
      a: ["tutor", "student"],
      m: null,
      n: { b: null, a: [null, 2.5], "10": true, "2": false },
      t: "2026-12-01T20:09:36.544+02:00",
      zero: -0,
    };
    expect(canonicalText(row)).toBe(
      '{"a":["tutor","student"],"n":{"10":true,"2":false,"a":[null,2.5]},"t":"2026-12-01T18:09:36.544Z","z":1,"zero":0}',
    );
  });

  it("makes a legacy row translated to the service shape equal the service row, offsets aside", () => {
    const entries = findSyncTable("passport", "legacy", "passport_entries");
    const [pair] = PAIRS.passport_entries ?? [];
    if (!entries || !pair) throw new Error("fixtures missing");
    // What the service database gives back: the same instant in UTC, a null column left out.
    const asStored: SqlRow = Object.fromEntries(
      Object.entries({ ...pair.service, occurred_at: "2026-11-30T03:30:00+00:00" }).filter(
        ([, value]) => value !== null,
      ),
    );
    const translated = canonicalText(entries.toService(pair.legacy));
    expect(translated).toBe(canonicalText(asStored));
    expect(canonicalText({ ...asStored, title: "other" })).not.toBe(translated);
    expect(canonicalText({ ...asStored, duration_seconds: 3_601 })).not.toBe(translated);
  });
});
