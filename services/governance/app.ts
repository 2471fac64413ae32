import type { FastifyInstance } from "fastify";
import { GOVERNANCE_ROUTES } from "@/lib/contracts/governance";
import { eventMetadataFrom } from "@/lib/http/event-metadata";
import { registerRouteTable } from "@/lib/http/register-route-table";
import { buildServiceApp, type ServiceAppOptions } from "@/lib/http/service-app";
import { decideProposal } from "./decisions";
import { createProposal, type GovernanceDb, getProposal, listProposals } from "./proposals";
import { castVote } from "./votes";

export type GovernanceAppOptions = Omit<ServiceAppOptions, "name"> & {
  db: GovernanceDb;
  validateResponses?: boolean;
};

/** The governance service's Fastify app (not listening): proposals, votes and decisions. */
export async function buildGovernanceApp(options: GovernanceAppOptions): Promise<FastifyInstance> {
  const { db } = options;
  const app = await buildServiceApp({ ...options, name: "governance" });
  registerRouteTable(
    app,
    GOVERNANCE_ROUTES,
    {
      createProposal: ({ body }) => createProposal(db, body),
      getProposal: ({ params }) => getProposal(db, params.proposalId),
      listProposals: ({ query }) => listProposals(db, query),
      castVote: ({ params, body }) => castVote(db, params.proposalId, body),
      decideProposal: ({ params }, request) =>
        decideProposal(db, params.proposalId, eventMetadataFrom(request, "governance")),
    },
    { validateResponses: options.validateResponses },
  );
  return app;
}
