import { bigserial, index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** Every state-changing action with its actor. Append-only: a trigger rejects UPDATE/DELETE. */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    target: text("target").notNull(),
    before: jsonb("before"),
    after: jsonb("after"),
    /** The W3C trace id of the request that made the change, when it carried one (trace links). */
    traceId: text("trace_id"),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("audit_log_at").on(t.at),
    index("audit_log_actor_at").on(t.actor, t.at),
    index("audit_log_action_at").on(t.action, t.at),
  ],
);
