import { and, desc, eq, gt, isNotNull, isNull, lte, type SQL } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { z } from "zod";
import type {
  CreateProposalBody,
  ListProposalsQuerySchema,
  Proposal,
  ProposalStatus,
} from "@/lib/contracts/governance";
import { afterCursor, pageOfRows } from "@/lib/db/keyset-paging";
import type { EventsDatabase, EventsTransaction } from "@/lib/events/events-database";
import { HttpError } from "@/lib/http/http-error";
import { requireMember } from "./members";
import { proposalStatus } from "./proposal-status";
import { proposals } from "./schema";

export type GovernanceDb = NodePgDatabase;
export type ProposalRow = typeof proposals.$inferSelect;

/** The proposal as the contract shows it at `now`. */
export function toProposal(row: ProposalRow, now: Date): Proposal {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    proposerId: row.proposerId,
    votingStartsAt: row.votingStartsAt.toISOString(),
    votingEndsAt: row.votingEndsAt.toISOString(),
    status: proposalStatus(row, now),
    tally: { yes: row.yesCount, no: row.noCount, abstain: row.abstainCount },
    outcome: row.outcome,
    decidedAt: row.decidedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** The proposal's row, locked for update in `tx` if asked; 404 if there is none. */
export async function requireProposal(
  tx: EventsDatabase | EventsTransaction,
  id: string,
  lock = false,
): Promise<ProposalRow> {
  const query = tx.select().from(proposals).where(eq(proposals.id, id));
  const [row] = await (lock ? query.for("update") : query);
  if (!row) throw new HttpError("not_found", `no proposal ${id}`);
  return row;
}

/** Creates a proposal by a member whose voting window has not ended yet. */
export async function createProposal(
  db: GovernanceDb,
  body: CreateProposalBody,
): Promise<Proposal> {
  return db.transaction(async (tx) => {
    await requireMember(tx, body.proposerId, "proposer");
    const now = new Date();
    const votingEndsAt = new Date(body.votingEndsAt);
    if (votingEndsAt.getTime() <= now.getTime()) {
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

export async function getProposal(db: GovernanceDb, id: string): Promise<Proposal> {
  return toProposal(await requireProposal(db, id), new Date());
}

/** The SQL condition of each derived status at `now` (the same rules as proposalStatus). */
function statusCondition(status: ProposalStatus, now: Date): SQL | undefined {
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

/** Newest first, keyset-paged on (created_at, id), optionally with one status at request time. */
export async function listProposals(
  db: GovernanceDb,
  query: z.output<typeof ListProposalsQuerySchema>,
) {
  const now = new Date();
  const rows = await db
    .select()
    .from(proposals)
    .where(
      and(
        query.status ? statusCondition(query.status, now) : undefined,
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
