import { eq, sql } from "drizzle-orm";
import type { CastVoteBody, Vote } from "@/lib/contracts/governance";
import { HttpError } from "@/lib/http/http-error";
import { requireMember } from "./members";
import { proposalStatus } from "./proposal-status";
import { type GovernanceDb, requireProposal } from "./proposals";
import { proposals, votes } from "./schema";

/** The counter of each choice on the proposal's row. */
const tallyKey = { yes: "yesCount", no: "noCount", abstain: "abstainCount" } as const;

/**
 * Casts a member's one vote while the window is open. The proposal's row is locked, so a vote
 * and the decision never interleave: a vote either counts in the decided tally or is refused.
 */
export async function castVote(
  db: GovernanceDb,
  proposalId: string,
  body: CastVoteBody,
): Promise<Vote> {
  return db.transaction(async (tx) => {
    const proposal = await requireProposal(tx, proposalId, true);
    await requireMember(tx, body.voterId, "voter");
    const now = new Date();
    const status = proposalStatus(proposal, now);
    if (status !== "open") {
      throw new HttpError(
        "unprocessable",
        `the voting window is not open: the proposal is ${status}`,
        {
          reason: "voting_not_open",
        },
      );
    }
    const [vote] = await tx
      .insert(votes)
      .values({ proposalId, voterId: body.voterId, choice: body.choice, castAt: now })
      .onConflictDoNothing()
      .returning();
    if (!vote) {
      throw new HttpError(
        "conflict",
        `the user ${body.voterId} has already voted on this proposal`,
        {
          reason: "already_voted",
        },
      );
    }
    const key = tallyKey[body.choice];
    await tx
      .update(proposals)
      .set({ [key]: sql`${proposals[key]} + 1` })
      .where(eq(proposals.id, proposalId));
    return {
      proposalId: vote.proposalId,
      voterId: vote.voterId,
      choice: vote.choice,
      castAt: vote.castAt.toISOString(),
    };
  });
}
