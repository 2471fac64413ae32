import { sql } from "drizzle-orm";
import {
  check,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import type { ProposalOutcome, VoteChoice } from "@/lib/contracts/governance";
import type { UserRole } from "@/lib/contracts/identity";
import {
  defineInboxTable,
  defineOutboxTable,
  defineRedisGenerationsTable,
} from "@/lib/events/outbox-tables";

/** Registered users (from identity.UserRegistered): they may propose and vote. */
export const members = pgTable("members", {
  userId: uuid("user_id").primaryKey(),
  roles: text("roles").array().$type<UserRole[]>().notNull(),
  registeredAt: timestamp("registered_at", { withTimezone: true, precision: 3 }).notNull(),
});

/** Proposals with their voting window `[voting_starts_at, voting_ends_at)` and running tally. */
export const proposals = pgTable(
  "proposals",
  {
    id: uuid("id").primaryKey(),
    title: text("title").notNull(),
    description: text("description").notNull(),
    proposerId: uuid("proposer_id").notNull(),
    votingStartsAt: timestamp("voting_starts_at", { withTimezone: true, precision: 3 }).notNull(),
    votingEndsAt: timestamp("voting_ends_at", { withTimezone: true, precision: 3 }).notNull(),
    /** Counted with each vote, under the proposal's row lock; frozen once the window ends. */
    yesCount: integer("yes_count").notNull().default(0),
    noCount: integer("no_count").notNull().default(0),
    abstainCount: integer("abstain_count").notNull().default(0),
    outcome: text("outcome").$type<ProposalOutcome>(),
    decidedAt: timestamp("decided_at", { withTimezone: true, precision: 3 }),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index("proposals_created_at_id").on(t.createdAt, t.id),
    check("proposals_window", sql`${t.votingEndsAt} > ${t.votingStartsAt}`),
    check(
      "proposals_decision",
      sql`(${t.outcome} is null) = (${t.decidedAt} is null) and (${t.outcome} is null or ${t.outcome} in ('accepted', 'rejected'))`,
    ),
  ],
);

/** One vote per user per proposal: the primary key refuses a second one. */
export const votes = pgTable(
  "votes",
  {
    proposalId: uuid("proposal_id")
      .notNull()
      .references(() => proposals.id),
    voterId: uuid("voter_id").notNull(),
    choice: text("choice").$type<VoteChoice>().notNull(),
    castAt: timestamp("cast_at", { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [
    primaryKey({ name: "votes_one_per_voter", columns: [t.proposalId, t.voterId] }),
    check("votes_choice", sql`${t.choice} in ('yes', 'no', 'abstain')`),
  ],
);

export const outbox = defineOutboxTable();
export const inbox = defineInboxTable();
/** Redis generations the relay saw, for loss detection (lib/events/redis-loss-guard.ts). */
export const redisGenerations = defineRedisGenerationsTable();
