import type { ProposalOutcome, ProposalStatus, Tally } from "@/lib/contracts/governance";

type Window = { votingStartsAt: Date; votingEndsAt: Date; decidedAt: Date | null };

/** The status at `now`; the window is `[votingStartsAt, votingEndsAt)` (ADR 0011). */
export function proposalStatus(proposal: Window, now: Date): ProposalStatus {
  if (proposal.decidedAt) return "decided";
  if (now.getTime() < proposal.votingStartsAt.getTime()) return "scheduled";
  if (now.getTime() < proposal.votingEndsAt.getTime()) return "open";
  return "closed";
}

/** Accepted when yes > no; a tie or no votes at all is rejected; abstentions only turn out. */
export function outcomeOf(tally: Tally): ProposalOutcome {
  return tally.yes > tally.no ? "accepted" : "rejected";
}
