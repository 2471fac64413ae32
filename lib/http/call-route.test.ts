import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueServiceToken } from "@/lib/auth/issue-service-token";
import { sharedSecretKey } from "@/lib/auth/service-keys";
import { GOVERNANCE_ROUTES, type Proposal } from "@/lib/contracts/governance";
import { callRoute } from "@/lib/http/call-route";
import { registerErrorHandling } from "@/lib/http/error-handler";
import { HttpError } from "@/lib/http/http-error";
import { registerRouteTable } from "@/lib/http/register-route-table";
import { serviceAuth } from "@/lib/http/service-auth";

const secret = sharedSecretKey("a-shared-secret-of-at-least-32-bytes!");
const proposerId = "0b5ad5f6-2b5c-4c39-9d3a-7a7bb3f1b0a1";

describe("callRoute against a listening service", () => {
  let app: FastifyInstance;
  let baseUrl: string;
  let token: string;
  let brokenList = false;

  beforeAll(async () => {
    const proposals = new Map<string, Proposal>();
    app = Fastify();
    registerErrorHandling(app);
    await app.register(serviceAuth, { key: secret, audience: "governance" });
    registerRouteTable(app, GOVERNANCE_ROUTES, {
      createProposal: ({ body }) => {
        const proposal: Proposal = {
          id: body.id ?? crypto.randomUUID(),
          title: body.title,
          description: body.description,
          proposerId: body.proposerId,
          votingStartsAt: body.votingStartsAt,
          votingEndsAt: body.votingEndsAt,
          status: "scheduled",
          tally: { yes: 0, no: 0, abstain: 0 },
          outcome: null,
          decidedAt: null,
          createdAt: new Date().toISOString(),
        };
        proposals.set(proposal.id, proposal);
        return proposal;
      },
      getProposal: ({ params }) => {
        const proposal = proposals.get(params.proposalId);
        if (!proposal) throw new HttpError("not_found", `no proposal ${params.proposalId}`);
        return proposal;
      },
      listProposals: ({ query }) => {
        if (brokenList) return { items: [{ id: "x" }] } as never;
        const items = [...proposals.values()].filter(
          (p) => !query.status || p.status === query.status,
        );
        return { items, nextCursor: null };
      },
      castVote: () => {
        throw new HttpError("unprocessable", "the voting window is not open");
      },
      decideProposal: () => {
        throw new HttpError("unprocessable", "the voting window has not ended");
      },
    });
    baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });
    token = await issueServiceToken({
      key: secret,
      subject: "contract-tests",
      audience: "governance",
      serviceType: "worker",
      permissions: ["governance:read", "governance:write"],
    });
  });
  afterAll(() => app.close());

  it("sends params, query and body and checks the success body", async () => {
    const created = await callRoute(
      baseUrl,
      GOVERNANCE_ROUTES.createProposal,
      {
        body: {
          title: "Open the library on Sundays",
          description: "…",
          proposerId,
          votingStartsAt: "2026-12-01T00:00:00Z",
          votingEndsAt: "2026-12-08T00:00:00Z",
        },
      },
      { token },
    );
    expect(created.kind).toBe("success");
    if (created.kind !== "success") return;
    const read = await callRoute(
      baseUrl,
      GOVERNANCE_ROUTES.getProposal,
      { params: { proposalId: created.body.id } },
      { token },
    );
    expect(read).toEqual({ kind: "success", status: 200, body: created.body });
    const list = await callRoute(
      baseUrl,
      GOVERNANCE_ROUTES.listProposals,
      { query: { status: "scheduled", limit: 10 } },
      { token },
    );
    expect(list.kind === "success" && list.body.items).toHaveLength(1);
  });

  it("returns error bodies typed, and says when a route breaks its contract", async () => {
    const vote = await callRoute(
      baseUrl,
      GOVERNANCE_ROUTES.castVote,
      { params: { proposalId: proposerId }, body: { voterId: proposerId, choice: "yes" } },
      { token },
    );
    expect(vote).toEqual({
      kind: "error",
      status: 422,
      body: { error: { code: "unprocessable", message: "the voting window is not open" } },
    });
    const anonymous = await callRoute(baseUrl, GOVERNANCE_ROUTES.listProposals, {});
    expect(anonymous.kind === "error" && anonymous.body.error.details).toEqual({
      reason: "missing",
    });
    brokenList = true;
    const broken = await callRoute(baseUrl, GOVERNANCE_ROUTES.listProposals, {}, { token });
    expect(broken.kind).toBe("contract_violation");
    expect(broken.kind === "contract_violation" && broken.message).toMatch(
      /^the 200 body breaks the contract: items\[0\]\.id: expected a UUID; items\[0\]\.title: is required/,
    );
  });
});
