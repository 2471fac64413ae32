import { index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/**
 * Read-only tokens for the wall screen (/wall): an admin creates one for a kiosk and revokes it.
 * Only a SHA-256 of the secret is kept; the secret is shown once, at creation.
 */
export const wallTokens = pgTable(
  "wall_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    revokedBy: text("revoked_by"),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
  },
  (t) => [index("wall_tokens_created_at").on(t.createdAt)],
);
