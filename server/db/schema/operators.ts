import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  index,
  integer,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from "drizzle-orm/pg-core";

export const operatorRole = pgEnum("operator_role", ["viewer", "operator", "admin"]);

/**
 * People who sign in to the console. Password is null for operators who only use OIDC; an SSO
 * operator is known by its issuer and subject, never by its name (see decision 0014).
 */
export const operators = pgTable(
  "operators",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    username: text("username").notNull().unique(),
    displayName: text("display_name").notNull(),
    passwordHash: text("password_hash"),
    role: operatorRole("role").notNull().default("viewer"),
    disabled: boolean("disabled").notNull().default(false),
    oidcIssuer: text("oidc_issuer"),
    oidcSubject: text("oidc_subject"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    lastLoginAt: timestamp("last_login_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("operators_oidc_identity")
      .on(t.oidcIssuer, t.oidcSubject)
      .where(sql`${t.oidcIssuer} is not null`),
  ],
);

/**
 * One row per sign-in. The session cookie carries only this row's id; a request is served only
 * while the row is neither ended nor expired and its operator is enabled.
 */
export const operatorSessions = pgTable(
  "operator_sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    operatorId: uuid("operator_id")
      .notNull()
      .references(() => operators.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    endedAt: timestamp("ended_at", { withTimezone: true }),
    endReason: text("end_reason"),
    clientAddress: text("client_address"),
  },
  (t) => [index("operator_sessions_operator").on(t.operatorId)],
);

/** Failed sign-in counters, in the layout rate-limiter-flexible's RateLimiterPostgres uses. */
export const loginThrottle = pgTable("login_throttle", {
  key: varchar("key", { length: 255 }).primaryKey(),
  points: integer("points").notNull().default(0),
  expire: bigint("expire", { mode: "number" }),
});
