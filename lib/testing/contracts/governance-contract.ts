import { describe, expect, it } from "vitest";
import {
  type CastVoteBody,
  type CreateProposalBody,
  GOVERNANCE_ROUTES,
  type Proposal,
} from "@/lib/contracts/governance";
import type { UserRole } from "@/lib/contracts/identity";
import { callRoute } from "@/lib/http/call-route";
import { type ContractTarget, tokenFor } from "@/lib/testing/contract-target";

/** A user the target must know before it may propose or vote. */
export type GovernanceSeedUser = { id: string; roles: UserRole[] };

/**
 * How a target comes to know users. Governance learns them from `identity.UserRegistered`: the
 * service's test delivers that event to its handler, the legacy runtime's test registers them
 * through its identity API. They may become known asynchronously: the suite waits.
 */
export type GovernanceContractSeed = {
  ensureUsers: (users: readonly GovernanceSeedUser[]) => Promise<void>;
};

const poll = { timeout: 10_000, interval: 100 };
const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
const HOUR = 3_600_000;

/**
 * The governance contract (rules: docs/decisions/0006), run against whatever serves it (the
 * governance service or the legacy runtime): the same requests must get answers of the same
 * shape and meaning. Voting windows are wall-clock time: one test waits for a window to end.
 */
export function governanceContract(target: () => ContractTarget, seed: GovernanceContractSeed) {
  const call = async <R extends (typeof GOVERNANCE_ROUTES)[keyof typeof GOVERNANCE_ROUTES]>(
    route: R,
    request: Parameters<typeof callRoute<R>>[2],
  ) =>
    callRoute(target().baseUrl, route, request, {
      token: await tokenFor(target(), ["governance:read", "governance:write"]),
    });

  /** Repeats `attempt` while the target does not know a user yet (422 `unknown_user`). */
  async function whileUnknown<T extends { kind: string }>(attempt: () => Promise<T>): Promise<T> {
    let result: T | undefined;
    await expect
      .poll(async () => {
        result = await attempt();
        return (result as { body?: { error?: { details?: { reason?: unknown } } } }).body?.error
          ?.details?.reason;
      }, poll)
      .not.toBe("unknown_user");
    if (!result) throw new Error("no attempt ran");
    return result;
  }

  const propose = (body: CreateProposalBody) =>
    whileUnknown(() => call(GOVERNANCE_ROUTES.createProposal, { body }));

  async function proposed(body: CreateProposalBody): Promise<Proposal> {
    const created = await propose(body);
    if (created.kind !== "success") throw new Error(`not created: ${JSON.stringify(created)}`);
    return created.body;
  }

  const vote = (proposalId: string, body: CastVoteBody) =>
    call(GOVERNANCE_ROUTES.castVote, { params: { proposalId }, body });

  const proposal = (proposerId: string, window: { startsIn: number; endsIn: number }) => ({
    title: "Open the library on Sundays",
    description: "Students asked for a quiet place to learn at the weekend.",
    proposerId,
    votingStartsAt: at(window.startsIn),
    votingEndsAt: at(window.endsIn),
  });

  /** `count` users the target knows: each has proposed or voted once. */
  async function members(count: number): Promise<string[]> {
    const ids = Array.from({ length: count }, () => crypto.randomUUID());
    await seed.ensureUsers(ids.map((id) => ({ id, roles: ["student"] })));
    const [first, ...rest] = ids as [string, ...string[]];
    const warmUp = await proposed(proposal(first, { startsIn: -1_000, endsIn: HOUR }));
    for (const voterId of rest) {
      const cast = await whileUnknown(() => vote(warmUp.id, { voterId, choice: "abstain" }));
      expect(cast.kind).toBe("success");
    }
    return ids;
  }

  describe("governance contract", () => {
    it("creates a scheduled proposal and reads it back; refuses its id twice with 409", async () => {
      const [proposerId] = (await members(1)) as [string];
      const id = crypto.randomUUID();
      const body = { ...proposal(proposerId, { startsIn: HOUR, endsIn: 2 * HOUR }), id };
      const created = await proposed(body);
      expect(created).toMatchObject({
        ...body,
        status: "scheduled",
        tally: { yes: 0, no: 0, abstain: 0 },
        outcome: null,
        decidedAt: null,
      });
      const read = await call(GOVERNANCE_ROUTES.getProposal, { params: { proposalId: id } });
      expect(read).toMatchObject({ kind: "success", body: created });
      expect(await call(GOVERNANCE_ROUTES.createProposal, { body })).toMatchObject({
        kind: "error",
        status: 409,
        body: { error: { code: "conflict", details: { reason: "id_taken" } } },
      });
    });

    it("refuses proposals by unknown users, with ended windows, or windows backwards", async () => {
      const [proposerId] = (await members(1)) as [string];
      const unknown = await call(GOVERNANCE_ROUTES.createProposal, {
        body: proposal(crypto.randomUUID(), { startsIn: 0, endsIn: HOUR }),
      });
      expect(unknown).toMatchObject({
        kind: "error",
        status: 422,
        body: { error: { code: "unprocessable", details: { reason: "unknown_user" } } },
      });
      const ended = await call(GOVERNANCE_ROUTES.createProposal, {
        body: proposal(proposerId, { startsIn: -2 * HOUR, endsIn: -HOUR }),
      });
      expect(ended).toMatchObject({
        kind: "error",
        status: 422,
        body: { error: { details: { reason: "voting_ended" } } },
      });
      const backwards = await call(GOVERNANCE_ROUTES.createProposal, {
        body: proposal(proposerId, { startsIn: 2 * HOUR, endsIn: HOUR }),
      });
      expect(backwards).toMatchObject({
        kind: "error",
        status: 400,
        body: { error: { code: "bad_request" } },
      });
      const missing = await call(GOVERNANCE_ROUTES.getProposal, {
        params: { proposalId: crypto.randomUUID() },
      });
      expect(missing).toMatchObject({ kind: "error", status: 404 });
    });

    it("takes one vote per user while the window is open, tallied live", async () => {
      const [proposerId, ada, bob, cy] = (await members(4)) as [string, string, string, string];
      const open = await proposed(proposal(proposerId, { startsIn: -1_000, endsIn: HOUR }));
      expect(open.status).toBe("open");
      const cast = await vote(open.id, { voterId: ada, choice: "yes" });
      expect(cast).toMatchObject({
        kind: "success",
        status: 201,
        body: { proposalId: open.id, voterId: ada, choice: "yes" },
      });
      expect((await vote(open.id, { voterId: bob, choice: "no" })).kind).toBe("success");
      expect((await vote(open.id, { voterId: proposerId, choice: "yes" })).kind).toBe("success");
      expect(await vote(open.id, { voterId: ada, choice: "no" })).toMatchObject({
        kind: "error",
        status: 409,
        body: { error: { code: "conflict", details: { reason: "already_voted" } } },
      });
      expect(
        await call(GOVERNANCE_ROUTES.getProposal, { params: { proposalId: open.id } }),
      ).toMatchObject({
        kind: "success",
        body: { status: "open", tally: { yes: 2, no: 1, abstain: 0 }, outcome: null },
      });

      expect(await vote(open.id, { voterId: crypto.randomUUID(), choice: "yes" })).toMatchObject({
        kind: "error",
        status: 422,
        body: { error: { details: { reason: "unknown_user" } } },
      });
      expect(await vote(crypto.randomUUID(), { voterId: cy, choice: "yes" })).toMatchObject({
        kind: "error",
        status: 404,
      });
      const scheduled = await proposed(proposal(proposerId, { startsIn: HOUR, endsIn: 2 * HOUR }));
      expect(await vote(scheduled.id, { voterId: cy, choice: "yes" })).toMatchObject({
        kind: "error",
        status: 422,
        body: { error: { details: { reason: "voting_not_open" } } },
      });
      expect(
        await call(GOVERNANCE_ROUTES.decideProposal, { params: { proposalId: open.id } }),
      ).toMatchObject({
        kind: "error",
        status: 422,
        body: { error: { details: { reason: "voting_not_ended" } } },
      });
    });

    it("decides once after the window ends: accepted when yes > no, a tie rejected", async () => {
      const [proposerId, ada, bob, cy] = (await members(4)) as [string, string, string, string];
      const endsIn = 3_000;
      const accepted = await proposed(proposal(proposerId, { startsIn: -1_000, endsIn }));
      const tied = await proposed({
        ...proposal(proposerId, { startsIn: -1_000, endsIn: 0 }),
        votingEndsAt: accepted.votingEndsAt,
      });
      const ballots: Array<[string, CastVoteBody]> = [
        [accepted.id, { voterId: ada, choice: "yes" }],
        [accepted.id, { voterId: bob, choice: "yes" }],
        [accepted.id, { voterId: cy, choice: "no" }],
        [tied.id, { voterId: ada, choice: "yes" }],
        [tied.id, { voterId: bob, choice: "no" }],
        [tied.id, { voterId: cy, choice: "abstain" }],
      ];
      for (const [proposalId, ballot] of ballots) {
        expect((await vote(proposalId, ballot)).kind).toBe("success");
      }
      const wait = Date.parse(accepted.votingEndsAt) - Date.now() + 50;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));

      const closed = await call(GOVERNANCE_ROUTES.getProposal, {
        params: { proposalId: accepted.id },
      });
      expect(closed).toMatchObject({ kind: "success", body: { status: "closed", outcome: null } });
      expect(await vote(accepted.id, { voterId: proposerId, choice: "no" })).toMatchObject({
        kind: "error",
        status: 422,
        body: { error: { details: { reason: "voting_not_open" } } },
      });

      const decide = (proposalId: string) =>
        call(GOVERNANCE_ROUTES.decideProposal, { params: { proposalId } });
      const decided = await decide(accepted.id);
      expect(decided).toMatchObject({
        kind: "success",
        status: 200,
        body: {
          status: "decided",
          outcome: "accepted",
          tally: { yes: 2, no: 1, abstain: 0 },
          decidedAt: expect.any(String),
        },
      });
      const again = await decide(accepted.id);
      expect(again).toEqual(decided);
      expect(await decide(tied.id)).toMatchObject({
        kind: "success",
        body: { status: "decided", outcome: "rejected", tally: { yes: 1, no: 1, abstain: 1 } },
      });
      expect(await decide(crypto.randomUUID())).toMatchObject({ kind: "error", status: 404 });

      const list = await call(GOVERNANCE_ROUTES.listProposals, {
        query: { status: "decided", limit: 100 },
      });
      expect(list.kind === "success" && list.body.items.map((p) => p.id)).toEqual(
        expect.arrayContaining([accepted.id, tied.id]),
      );
    });

    it("lists proposals newest first, by status, page by page", async () => {
      const [proposerId] = (await members(1)) as [string];
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const created = await proposed(proposal(proposerId, { startsIn: HOUR, endsIn: 2 * HOUR }));
        ids.push(created.id);
      }
      const seen: Proposal[] = [];
      let cursor: string | undefined;
      do {
        const page = await call(GOVERNANCE_ROUTES.listProposals, {
          query: { status: "scheduled", limit: 2, cursor },
        });
        expect(page.kind).toBe("success");
        if (page.kind !== "success") return;
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items);
        cursor = page.body.nextCursor ?? undefined;
      } while (cursor);
      expect(seen.every((p) => p.status === "scheduled")).toBe(true);
      expect(new Set(seen.map((p) => p.id)).size).toBe(seen.length);
      expect(seen.map((p) => p.id)).toEqual(expect.arrayContaining(ids));
      // newest first: createdAt descending, ties by id descending
      const newestFirst = [...seen].sort(
        (a, b) =>
          Date.parse(b.createdAt) - Date.parse(a.createdAt) ||
          (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
      );
      expect(seen.map((p) => p.id)).toEqual(newestFirst.map((p) => p.id));
      const open = await call(GOVERNANCE_ROUTES.listProposals, { query: { status: "open" } });
      expect(open.kind === "success" && open.body.items.some((p) => ids.includes(p.id))).toBe(
        false,
      );
    });
  });
}
