import { and, desc, eq, gt, isNotNull, isNull, lte, type SQL, sql } from "drizzle-orm";
import type { z } from "zod";
import type { EventMetadata } from "@/lib/contracts/events/envelope";
import {
  type CastVoteBody,
  type CreateProposalBody,
  type ListProposalsQuerySchema,
  PROPOSAL_DECIDED_V1,
  type Proposal,
  type ProposalStatus,
  type Vote,
} from "@/lib/contracts/governance";
import { afterCursor, pageOfRows } from "@/lib/db/keyset-paging";
import { HttpError } from "@/lib/http/http-error";
import { emit, type LegacyDb, type LegacyTx } from "../../runtime";
import { proposals, votes } from "../../schema/governance";
import { users } from "../../schema/identity";

type ProposalRow = typeof proposals.$inferSelect;

/** Derived from the clock: the window is `[votingStartsAt, votingEndsAt)`. */
function statusAt(row: ProposalRow, now: Date): ProposalStatus {
  if (row.decidedAt) return "decided";
  if (now < row.votingStartsAt) return "scheduled";
  if (now < row.votingEndsAt) return "open";
  return "closed";
}

/** The same as `statusAt`, as a condition on the table. */
function hasStatus(status: ProposalStatus, now: Date): SQL | undefined {
  switch (status) {
    case "decided":
      return isNotNull(proposals.decidedAt);
    case "scheduled":
      return and(isNull(proposals.decidedAt), gt(proposals.votingStartsAt, now));
    case "open":
      return and(
        isNull(proposals.decidedAt),
        lte(proposals.votingStartsAt, now),
        gt(proposals.votingEndsAt, now),
      );
    case "closed":
      return and(isNull(proposals.decidedAt), lte(proposals.votingEndsAt, now));
  }
}

function toProposal(row: ProposalRow, now: Date): Proposal {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    proposerId: row.proposerId,
    votingStartsAt: row.votingStartsAt.toISOString(),
    votingEndsAt: row.votingEndsAt.toISOString(),
    status: statusAt(row, now),
    tally: { yes: row.yesVotes, no: row.noVotes, abstain: row.abstainVotes },
    outcome: row.outcome,
    decidedAt: row.decidedAt ? row.decidedAt.toISOString() : null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** Every registered user is a member and may propose and vote, whatever their roles; else 422. */
async function requireMember(tx: LegacyTx, userId: string, who: "proposer" | "voter") {
  const [user] = await tx.select({ id: users.id }).from(users).where(eq(users.id, userId));
  if (!user) {
    throw new HttpError("unprocessable", `the ${who} ${userId} is not a registered user`, {
      reason: "unknown_user",
    });
  }
}

async function findProposal(tx: LegacyTx, id: string, lock = false): Promise<ProposalRow> {
  const query = tx.select().from(proposals).where(eq(proposals.id, id));
  const [row] = lock ? await query.for("update") : await query;
  if (!row) throw new HttpError("not_found", `no proposal ${id}`);
  return row;
}

/** A member's proposal whose window ends in the future (it may already have started). */
export async function createProposal(db: LegacyDb, body: CreateProposalBody): Promise<Proposal> {
  const now = new Date();
  return db.transaction(async (tx) => {
    await requireMember(tx, body.proposerId, "proposer");
    const votingEndsAt = new Date(body.votingEndsAt);
    if (votingEndsAt <= now) {
      throw new HttpError("unprocessable", "votingEndsAt must be in the future", {
        reason: "voting_ended",
      });
    }
    const id = body.id ?? crypto.randomUUID();
    const [row] = await tx
      .insert(proposals)
      .values({
        id,
        title: body.title,
        description: body.description,
        proposerId: body.proposerId,
        votingStartsAt: new Date(body.votingStartsAt),
        votingEndsAt,
        createdAt: now,
      })
      .onConflictDoNothing()
      .returning();
    if (!row) {
      throw new HttpError("conflict", `the proposal id ${id} is already taken`, {
        reason: "id_taken",
      });
    }
    return toProposal(row, now);
  });
}

export async function getProposal(db: LegacyDb, id: string): Promise<Proposal> {
  return db.transaction(async (tx) => toProposal(await findProposal(tx, id), new Date()));
}

/** Newest first (createdAt, then id, descending); `status` is the one derived now. */
export async function listProposals(
  db: LegacyDb,
  query: z.output<typeof ListProposalsQuerySchema>,
) {
  const now = new Date();
  const rows = await db
    .select()
    .from(proposals)
    .where(
      and(
        query.status ? hasStatus(query.status, now) : undefined,
        afterCursor(query.cursor, { at: proposals.createdAt, id: proposals.id }, "newest-first"),
      ),
    )
    .orderBy(desc(proposals.createdAt), desc(proposals.id))
    .limit(query.limit + 1);
  return pageOfRows(
    rows,
    query.limit,
    (row) => toProposal(row, now),
    (row) => row,
  );
}

const TALLY_COLUMN = { yes: "yesVotes", no: "noVotes", abstain: "abstainVotes" } as const;

/** A member's one vote while the window is open; it adds to the running tally. */
export async function castVote(
  db: LegacyDb,
  proposalId: string,
  body: CastVoteBody,
): Promise<Vote> {
  return db.transaction(async (tx) => {
    // the lock orders votes with a concurrent decision: no vote lands in a decided tally
    const proposal = await findProposal(tx, proposalId, true);
    await requireMember(tx, body.voterId, "voter");
    const castAt = new Date();
    const status = statusAt(proposal, castAt);
    if (status !== "open") {
      throw new HttpError(
        "unprocessable",
        `the voting window is not open: the proposal is ${status}`,
        { reason: "voting_not_open" },
      );
    }
    const [vote] = await tx
      .insert(votes)
      .values({ proposalId, voterId: body.voterId, choice: body.choice, castAt })
      .onConflictDoNothing()
      .returning();
    if (!vote) {
      throw new HttpError(
        "conflict",
        `the user ${body.voterId} has already voted on this proposal`,
        { reason: "already_voted" },
      );
    }
    const column = proposals[TALLY_COLUMN[body.choice]];
    await tx
      .update(proposals)
      .set({ [TALLY_COLUMN[body.choice]]: sql`${column} + 1` })
      .where(eq(proposals.id, proposalId));
    return {
      proposalId: vote.proposalId,
      voterId: vote.voterId,
      choice: vote.choice,
      castAt: vote.castAt.toISOString(),
    };
  });
}

/**
 * Decides a proposal whose window has ended: the first call sets the outcome and publishes
 * governance.ProposalDecided; later (or concurrent) calls answer the decided proposal unchanged.
 */
export async function decideProposal(
  db: LegacyDb,
  proposalId: string,
  metadata: EventMetadata,
): Promise<Proposal> {
  return db.transaction(async (tx) => {
    const proposal = await findProposal(tx, proposalId, true);
    const now = new Date();
    if (proposal.decidedAt) return toProposal(proposal, now);
    if (now < proposal.votingEndsAt) {
      throw new HttpError(
        "unprocessable",
        `the voting window ends at ${proposal.votingEndsAt.toISOString()}; decide after it`,
        { reason: "voting_not_ended" },
      );
    }
    const outcome = proposal.yesVotes > proposal.noVotes ? "accepted" : "rejected";
    const [decided] = await tx
      .update(proposals)
      .set({ outcome, decidedAt: now })
      .where(eq(proposals.id, proposalId))
      .returning();
    if (!decided?.decidedAt) throw new Error(`proposal ${proposalId} vanished while deciding`);
    await emit(tx, PROPOSAL_DECIDED_V1, {
      aggregateId: decided.id,
      data: {
        proposal_id: decided.id,
        outcome,
        tally: { yes: decided.yesVotes, no: decided.noVotes, abstain: decided.abstainVotes },
        voting_ended_at: decided.votingEndsAt.toISOString(),
        decided_at: decided.decidedAt.toISOString(),
      },
      metadata,
      at: decided.decidedAt,
    });
    return toProposal(decided, now);
  });
}
