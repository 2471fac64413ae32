import { index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { UserRole } from "@/lib/contracts/identity";
import {
  defineInboxTable,
  defineOutboxTable,
  defineRedisGenerationsTable,
} from "@/lib/events/outbox-tables";

/** Registered users; a DID belongs to exactly one user. */
export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey(),
    did: text("did").notNull().unique(),
    displayName: text("display_name").notNull(),
    roles: text("roles").array().$type<UserRole[]>().notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index("users_created_at_id").on(t.createdAt, t.id)],
);

export const outbox = defineOutboxTable();
export const inbox = defineInboxTable();
/** Redis generations the relay saw, for loss detection (lib/events/redis-loss-guard.ts). */
export const redisGenerations = defineRedisGenerationsTable();
