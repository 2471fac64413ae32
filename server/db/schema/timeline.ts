import { bigserial, index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * What the platform did by itself and no other table records: breaker transitions, DLQ spikes,
 * parity drops, automatic promotions and rollbacks, data-sync steps and Argo CD syncs. The
 * timeline merges these with the audit log and the routing history (server/timeline).
 * Append-only, like the audit log.
 */
export const timelineEvents = pgTable(
  "timeline_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    /** breaker_transition | dlq_spike | parity_drop | auto_rollback | promotion | data_sync | argocd_sync | ... */
    kind: text("kind").notNull(),
    /** The migration domain it concerns; null for platform-wide events. */
    domain: text("domain"),
    /** info | warning | critical */
    severity: text("severity").notNull().default("info"),
    summary: text("summary").notNull(),
    /** The process or operator that recorded it (slo-guard, gitops, ...). */
    source: text("source").notNull(),
    details: jsonb("details"),
    traceId: text("trace_id"),
  },
  (t) => [
    index("timeline_events_at").on(t.at),
    index("timeline_events_domain_at").on(t.domain, t.at),
    index("timeline_events_kind_at").on(t.kind, t.at),
  ],
);
