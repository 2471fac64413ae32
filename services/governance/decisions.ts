import { eq } from "drizzle-orm";
import { createEvent } from "@/lib/contracts/events/create-event";
import type { EventMetadata } from "@/lib/contracts/events/envelope";
import { PROPOSAL_DECIDED_V1, type Proposal } from "@/lib/contracts/governance";
import { publishInTransaction } from "@/lib/events/publish";
import { HttpError } from "@/lib/http/http-error";
import { outcomeOf } from "./proposal-status";
import { type GovernanceDb, requireProposal, toProposal } from "./proposals";
import { outbox, proposals } from "./schema";

/**
 * Decides a proposal whose window has ended and publishes governance.ProposalDecided with it.
 * Idempotent: a decided proposal is answered as it is, publishing nothing; the row lock makes
 * concurrent calls decide once.
 */
export async function decideProposal(
  db: GovernanceDb,
  proposalId: string,
  metadata: EventMetadata,
): Promise<Proposal> {
  return db.transaction(async (tx) => {
    const proposal = await requireProposal(tx, proposalId, true);
    const now = new Date();
    if (proposal.decidedAt) return toProposal(proposal, now);
    if (now.getTime() < proposal.votingEndsAt.getTime()) {
      throw new HttpError(
        "unprocessable",
        `the voting window ends at ${proposal.votingEndsAt.toISOString()}; decide after it`,
        { reason: "voting_not_ended" },
      );
    }
    const tally = { yes: proposal.yesCount, no: proposal.noCount, abstain: proposal.abstainCount };
    const [decided] = await tx
      .update(proposals)
      .set({ outcome: outcomeOf(tally), decidedAt: now })
      .where(eq(proposals.id, proposalId))
      .returning();
    if (!decided) throw new Error(`proposal ${proposalId} vanished while locked`);
    const decidedAt = (decided.decidedAt ?? now).toISOString();
    const event = createEvent(PROPOSAL_DECIDED_V1, {
      aggregateId: decided.id,
      data: {
        proposal_id: decided.id,
        outcome: outcomeOf(tally),
        tally,
        voting_ended_at: decided.votingEndsAt.toISOString(),
        decided_at: decidedAt,
      },
      metadata,
      occurredAt: new Date(decidedAt),
    });
    await publishInTransaction(tx, event, outbox);
    return toProposal(decided, now);
  });
}
