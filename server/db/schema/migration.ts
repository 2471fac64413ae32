import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  pgEnum,
  pgTable,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import type { DomainName } from "@/lib/contracts/domains";

export const migrationState = pgEnum("migration_state", ["legacy", "shadow", "canary", "migrated"]);

/** One row per domain: where its traffic goes now. `version` guards concurrent edits. */
export const domains = pgTable(
  "domains",
  {
    name: text("name").$type<DomainName>().primaryKey(),
    displayName: text("display_name").notNull(),
    pathPrefix: text("path_prefix").notNull().unique(),
    legacyUrl: text("legacy_url").notNull(),
    serviceUrl: text("service_url").notNull(),
    state: migrationState("state").notNull().default("legacy"),
    canaryWeight: integer("canary_weight").notNull().default(0),
    /** In shadow, the share (0–100) of the domain's requests the gateway mirrors to its service. */
    shadowPercent: integer("shadow_percent").notNull().default(100),
    version: integer("version").notNull().default(1),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    updatedBy: text("updated_by").notNull().default("system"),
    /** shadow → canary needs parity ≥ this percentage over at least `parityMinSamples` pairs. */
    parityMinPercent: doublePrecision("parity_min_percent").notNull().default(99),
    parityMinSamples: integer("parity_min_samples").notNull().default(200),
    /** Data gate: the sync lag each way must be below this to go to canary or migrated. */
    dataMaxLagMs: integer("data_max_lag_ms").notNull().default(2000),
    /** Data gate: the last clean verification must be younger than this. */
    dataVerificationMaxAgeSeconds: integer("data_verification_max_age_seconds")
      .notNull()
      .default(900),
    /** Set while a rollback drains the service → legacy sync: the gateway refuses writes. */
    writeFence: boolean("write_fence").notNull().default(false),
  },
  (t) => [
    check("domains_weight_range", sql`${t.canaryWeight} between 0 and 100`),
    check("domains_shadow_percent_range", sql`${t.shadowPercent} between 0 and 100`),
    check(
      "domains_weight_matches_state",
      sql`(${t.state} in ('legacy', 'shadow') and ${t.canaryWeight} = 0)
        or (${t.state} = 'canary' and ${t.canaryWeight} between 1 and 100)
        or (${t.state} = 'migrated' and ${t.canaryWeight} = 100)`,
    ),
  ],
);

/** The history of every transition of every domain. Append-only (trigger in the migration). */
export const migrationEvents = pgTable(
  "migration_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    domain: text("domain")
      .$type<DomainName>()
      .notNull()
      .references(() => domains.name),
    fromState: migrationState("from_state").notNull(),
    toState: migrationState("to_state").notNull(),
    fromWeight: integer("from_weight").notNull(),
    toWeight: integer("to_weight").notNull(),
    actor: text("actor").notNull(),
    reason: text("reason").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("migration_events_domain_at").on(t.domain, t.at),
    // the whole-platform timeline reads the newest route changes of every domain
    index("migration_events_at").on(t.at),
  ],
);
