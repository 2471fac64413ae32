import { z } from "zod";
import { defineEvent } from "@/lib/contracts/events/define-event";
import { PageQuerySchema, pageOf } from "@/lib/contracts/pagination";
import { IdSchema, TimestampSchema, textSchema } from "@/lib/contracts/primitives";
import { defineRoute } from "@/lib/contracts/route";

export const VOTE_CHOICES = ["yes", "no", "abstain"] as const;
export const VoteChoiceSchema = z.enum(VOTE_CHOICES, {
  error: () => `choice must be one of ${VOTE_CHOICES.join(", ")}`,
});
export type VoteChoice = z.infer<typeof VoteChoiceSchema>;

/** `scheduled` before the window, `open` during it, `closed` after it until tallied, then `decided`. */
export const PROPOSAL_STATUSES = ["scheduled", "open", "closed", "decided"] as const;
export const ProposalStatusSchema = z.enum(PROPOSAL_STATUSES);
export type ProposalStatus = z.infer<typeof ProposalStatusSchema>;

/** Accepted when yes > no; abstentions count for the turnout only. */
export const ProposalOutcomeSchema = z.enum(["accepted", "rejected"]);
export type ProposalOutcome = z.infer<typeof ProposalOutcomeSchema>;

export const TallySchema = z.object({
  yes: z.number().int().nonnegative(),
  no: z.number().int().nonnegative(),
  abstain: z.number().int().nonnegative(),
});
export type Tally = z.infer<typeof TallySchema>;

export const ProposalSchema = z.object({
  id: IdSchema,
  title: z.string(),
  description: z.string(),
  proposerId: IdSchema,
  votingStartsAt: TimestampSchema,
  votingEndsAt: TimestampSchema,
  status: ProposalStatusSchema,
  tally: TallySchema,
  outcome: ProposalOutcomeSchema.nullable(),
  decidedAt: TimestampSchema.nullable(),
  createdAt: TimestampSchema,
});
export type Proposal = z.infer<typeof ProposalSchema>;

export const CreateProposalBodySchema = z
  .strictObject({
    id: IdSchema.optional(),
    title: textSchema("title", 200),
    description: textSchema("description", 10_000),
    proposerId: IdSchema,
    votingStartsAt: TimestampSchema,
    votingEndsAt: TimestampSchema,
  })
  .refine((body) => Date.parse(body.votingEndsAt) > Date.parse(body.votingStartsAt), {
    message: "votingEndsAt must be after votingStartsAt",
    path: ["votingEndsAt"],
  });
export type CreateProposalBody = z.infer<typeof CreateProposalBodySchema>;

/** One vote per user per proposal: a second vote is a 409, a vote outside the window a 422. */
export const CastVoteBodySchema = z.strictObject({
  voterId: IdSchema,
  choice: VoteChoiceSchema,
});
export type CastVoteBody = z.infer<typeof CastVoteBodySchema>;

export const VoteSchema = z.object({
  proposalId: IdSchema,
  voterId: IdSchema,
  choice: VoteChoiceSchema,
  castAt: TimestampSchema,
});
export type Vote = z.infer<typeof VoteSchema>;

export const ProposalParamsSchema = z.object({ proposalId: IdSchema });
export const ListProposalsQuerySchema = PageQuerySchema.extend({
  status: ProposalStatusSchema.optional(),
});

const proposalVolatile = ["id", "createdAt", "decidedAt"] as const;

/** HTTP API of the governance domain. */
export const GOVERNANCE_ROUTES = {
  createProposal: defineRoute({
    domain: "governance",
    method: "POST",
    path: "/api/governance/v1/proposals",
    summary: "Create a proposal with its voting window",
    body: CreateProposalBodySchema,
    status: 201,
    response: ProposalSchema,
    permission: "governance:write",
    volatileFields: proposalVolatile,
  }),
  getProposal: defineRoute({
    domain: "governance",
    method: "GET",
    path: "/api/governance/v1/proposals/:proposalId",
    summary: "One proposal with its current tally",
    params: ProposalParamsSchema,
    status: 200,
    response: ProposalSchema,
    permission: "governance:read",
    volatileFields: proposalVolatile,
  }),
  listProposals: defineRoute({
    domain: "governance",
    method: "GET",
    path: "/api/governance/v1/proposals",
    summary: "Proposals, newest first, optionally with one status",
    query: ListProposalsQuerySchema,
    status: 200,
    response: pageOf(ProposalSchema),
    permission: "governance:read",
    volatileFields: ["items.*.id", "items.*.createdAt", "items.*.decidedAt", "nextCursor"],
  }),
  castVote: defineRoute({
    domain: "governance",
    method: "POST",
    path: "/api/governance/v1/proposals/:proposalId/votes",
    summary: "Cast a user's one vote while the window is open",
    params: ProposalParamsSchema,
    body: CastVoteBodySchema,
    status: 201,
    response: VoteSchema,
    permission: "governance:write",
    volatileFields: ["castAt"],
  }),
  decideProposal: defineRoute({
    domain: "governance",
    method: "POST",
    path: "/api/governance/v1/proposals/:proposalId/decision",
    summary: "Tally and decide a proposal whose window has ended (idempotent); 422 before",
    params: ProposalParamsSchema,
    status: 200,
    response: ProposalSchema,
    permission: "governance:write",
    volatileFields: proposalVolatile,
  }),
} as const;

export const ProposalDecidedDataSchema = z.object({
  proposal_id: IdSchema,
  outcome: ProposalOutcomeSchema,
  tally: TallySchema,
  voting_ended_at: TimestampSchema,
  decided_at: TimestampSchema,
});
export type ProposalDecidedData = z.infer<typeof ProposalDecidedDataSchema>;

/** A proposal's voting window ended and it was decided; aggregate: the proposal. */
export const PROPOSAL_DECIDED_V1 = defineEvent({
  type: "governance.ProposalDecided",
  version: 1,
  aggregateType: "proposal",
  summary: "A proposal was tallied and accepted or rejected",
  data: ProposalDecidedDataSchema,
});
