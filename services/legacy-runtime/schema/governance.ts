import { index, integer, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { ProposalOutcome, VoteChoice } from "@/lib/contracts/governance";
import { users } from "./identity";

/**
 * Governance pallet: proposals with their voting window `[votingStartsAt, votingEndsAt)` and a
 * running tally, kept with each vote so reads never count; the status is derived from the clock.
 */
export const proposals = pgTable(
  "proposals",
  {
    id: uuid("id").primaryKey(),
    title: text("title").notNull(),
    description: text("description").notNull(),
    proposerId: uuid("proposer_id")
      .notNull()
      .references(() => users.id),
    votingStartsAt: timestamp("voting_starts_at", { withTimezone: true, precision: 3 }).notNull(),
    votingEndsAt: timestamp("voting_ends_at", { withTimezone: true, precision: 3 }).notNull(),
    yesVotes: integer("yes_votes").notNull().default(0),
    noVotes: integer("no_votes").notNull().default(0),
    abstainVotes: integer("abstain_votes").notNull().default(0),
    outcome: text("outcome").$type<ProposalOutcome>(),
    decidedAt: timestamp("decided_at", { withTimezone: true, precision: 3 }),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index("proposals_created_at_id").on(t.createdAt, t.id)],
);

/** Governance pallet: one vote per user per proposal, enforced by the primary key. */
export const votes = pgTable(
  "votes",
  {
    proposalId: uuid("proposal_id")
      .notNull()
      .references(() => proposals.id),
    voterId: uuid("voter_id")
      .notNull()
      .references(() => users.id),
    choice: text("choice").$type<VoteChoice>().notNull(),
    castAt: timestamp("cast_at", { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [primaryKey({ name: "votes_pkey", columns: [t.proposalId, t.voterId] })],
);
