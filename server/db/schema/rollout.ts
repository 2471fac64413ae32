import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { DomainName } from "@/lib/contracts/domains";
import { domains } from "./migration";

/** Per-domain SLO the slo-guard enforces while the domain is on canary or migrated. */
export const sloPolicies = pgTable(
  "slo_policies",
  {
    domain: text("domain")
      .$type<DomainName>()
      .primaryKey()
      .references(() => domains.name),
    maxErrorRate: doublePrecision("max_error_rate").notNull().default(0.05),
    maxP99Ms: integer("max_p99_ms").notNull().default(500),
    minRequests: integer("min_requests").notNull().default(20),
    windowSeconds: integer("window_seconds").notNull().default(10),
    enabled: boolean("enabled").notNull().default(true),
    version: integer("version").notNull().default(1),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    updatedBy: text("updated_by").notNull().default("system"),
  },
  (t) => [
    check("slo_error_rate_range", sql`${t.maxErrorRate} between 0 and 1`),
    check("slo_window_range", sql`${t.windowSeconds} between 1 and 60`),
  ],
);

export const rolloutStatus = pgEnum("rollout_status", [
  "running",
  "paused",
  "completed",
  "aborted",
  "rolled_back",
]);

/** A progressive rollout: canary weights with a hold each; the guard promotes when healthy. */
export const rolloutPlans = pgTable(
  "rollout_plans",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    domain: text("domain")
      .$type<DomainName>()
      .notNull()
      .references(() => domains.name),
    steps: integer("steps").array().notNull(),
    holdSeconds: integer("hold_seconds").array().notNull(),
    currentStep: integer("current_step").notNull().default(0),
    status: rolloutStatus("status").notNull().default("running"),
    stepStartedAt: timestamp("step_started_at", { withTimezone: true }).notNull().defaultNow(),
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // At most one plan in flight per domain.
    uniqueIndex("rollout_plans_one_active")
      .on(t.domain)
      .where(sql`${t.status} in ('running', 'paused')`),
    index("rollout_plans_domain_created").on(t.domain, t.createdAt),
    check(
      "rollout_steps_match_holds",
      sql`cardinality(${t.steps}) = cardinality(${t.holdSeconds})`,
    ),
  ],
);
