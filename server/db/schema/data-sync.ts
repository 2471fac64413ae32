import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import type { DomainName } from "@/lib/contracts/domains";
import { domains } from "./migration";

const domainRef = () =>
  text("domain")
    .$type<DomainName>()
    .notNull()
    .references(() => domains.name);

export const BACKFILL_STATUSES = ["not_started", "running", "paused", "complete"] as const;
export type BackfillStatus = (typeof BACKFILL_STATUSES)[number];

/**
 * Per domain: the copy of legacy's rows into the service and its checkpoint. `phase` is the
 * table (or `projection:<table>`) being copied and `lastKey` the last primary key done in it, so a
 * restarted worker repeats at most one chunk.
 */
export const dataBackfills = pgTable(
  "data_backfills",
  {
    domain: domainRef().primaryKey(),
    status: text("status").$type<BackfillStatus>().notNull().default("not_started"),
    phase: text("phase"),
    lastKey: jsonb("last_key").$type<Record<string, unknown> | null>(),
    rowsCopied: bigint("rows_copied", { mode: "number" }).notNull().default(0),
    rowsTotal: bigint("rows_total", { mode: "number" }).notNull().default(0),
    rowsPerSecond: doublePrecision("rows_per_second").notNull().default(0),
    /** 0: as fast as it goes. */
    throttleRowsPerSecond: integer("throttle_rows_per_second").notNull().default(0),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    updatedBy: text("updated_by").notNull().default("system"),
  },
  (t) => [
    check(
      "data_backfills_status",
      sql`${t.status} in ('not_started', 'running', 'paused', 'complete')`,
    ),
  ],
);

export const SYNC_DIRECTIONS = ["legacy_to_service", "service_to_legacy"] as const;
export type SyncDirection = (typeof SYNC_DIRECTIONS)[number];

/** What the sync worker last saw of one direction of one domain, written every beat. */
export const dataSyncStatus = pgTable(
  "data_sync_status",
  {
    domain: domainRef(),
    direction: text("direction").$type<SyncDirection>().notNull(),
    /** Committed changes not yet applied, at the last beat. */
    pending: bigint("pending", { mode: "number" }).notNull().default(0),
    appliedTotal: bigint("applied_total", { mode: "number" }).notNull().default(0),
    /** Capture → applied of the last change applied, in milliseconds. */
    lagMs: integer("lag_ms").notNull().default(0),
    /** Age of the oldest pending change at the last beat (0 when none). */
    oldestPendingMs: integer("oldest_pending_ms").notNull().default(0),
    lastAppliedAt: timestamp("last_applied_at", { withTimezone: true }),
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }).notNull().defaultNow(),
    lastError: text("last_error"),
  },
  (t) => [primaryKey({ columns: [t.domain, t.direction] })],
);

export const VERIFICATION_STATUSES = ["requested", "running", "done", "failed"] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

/** One comparison of both sides of a domain, table by table, in chunks. */
export const dataVerifications = pgTable(
  "data_verifications",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    domain: domainRef(),
    status: text("status").$type<VerificationStatus>().notNull().default("requested"),
    requestedBy: text("requested_by").notNull(),
    requestedAt: timestamp("requested_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    rowsCompared: bigint("rows_compared", { mode: "number" }).notNull().default(0),
    chunks: integer("chunks").notNull().default(0),
    chunksMismatched: integer("chunks_mismatched").notNull().default(0),
    differences: integer("differences").notNull().default(0),
    /** Rows that differed only because a change of theirs was still on its way (not differences). */
    rowsInFlight: integer("rows_in_flight").notNull().default(0),
    /** The first differences: table, key, kind and both images. */
    details: jsonb("details").$type<unknown[]>().notNull().default(sql`'[]'::jsonb`),
    error: text("error"),
  },
  (t) => [index("data_verifications_domain_id").on(t.domain, t.id)],
);

export const QUARANTINE_STATUSES = ["open", "retry_requested", "resolved"] as const;
export type QuarantineStatus = (typeof QUARANTINE_STATUSES)[number];

/** A change the sync could not apply: kept with its error until a retry applies it. */
export const dataQuarantine = pgTable(
  "data_quarantine",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    domain: domainRef(),
    direction: text("direction").$type<SyncDirection>().notNull(),
    tableName: text("table_name").notNull(),
    rowKey: jsonb("row_key").$type<Record<string, unknown>>().notNull(),
    /** `upsert` with the source row's image, or `delete`. */
    op: text("op").notNull(),
    rowImage: jsonb("row_image").$type<Record<string, unknown> | null>(),
    error: text("error").notNull(),
    attempts: integer("attempts").notNull().default(1),
    status: text("status").$type<QuarantineStatus>().notNull().default("open"),
    firstSeenAt: timestamp("first_seen_at", { withTimezone: true }).notNull().defaultNow(),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
  },
  (t) => [index("data_quarantine_domain_status").on(t.domain, t.status, t.id)],
);

/** The same row written on both sides within the lag: which side won and the image that lost. */
export const dataConflicts = pgTable(
  "data_conflicts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    domain: domainRef(),
    tableName: text("table_name").notNull(),
    rowKey: jsonb("row_key").$type<Record<string, unknown>>().notNull(),
    winner: text("winner").$type<"legacy" | "service">().notNull(),
    legacyImage: jsonb("legacy_image"),
    serviceImage: jsonb("service_image"),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("data_conflicts_domain_id").on(t.domain, t.id)],
);
