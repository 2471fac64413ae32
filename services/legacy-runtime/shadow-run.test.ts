import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueServiceToken } from "@/lib/auth/issue-service-token";
import { GOVERNANCE_ROUTES } from "@/lib/contracts/governance";
import { IDENTITY_ROUTES } from "@/lib/contracts/identity";
import type { RouteContract } from "@/lib/contracts/route";
import { bearerHeader } from "@/lib/http/bearer-token";
import { testServiceKey, tokenFor } from "@/lib/testing/contract-target";
import { startServiceUnderTest } from "@/lib/testing/service-under-test";
import { buildLegacyRuntimeApp } from "./app";

let runtime: Awaited<ReturnType<typeof startServiceUnderTest>>;
beforeAll(async () => {
  runtime = await startServiceUnderTest("legacy", buildLegacyRuntimeApp);
});
afterAll(() => runtime?.close());

const PERMISSIONS = ["identity:read", "identity:write", "governance:read", "governance:write"];
const gatewayToken = () => tokenFor({ service: "legacy-runtime", baseUrl: "" }, PERMISSIONS);
const workerToken = () =>
  issueServiceToken({
    key: testServiceKey,
    subject: "backfill",
    audience: "legacy-runtime",
    serviceType: "worker",
    permissions: PERMISSIONS,
  });

const did = () => `did:key:z6Mk${crypto.randomUUID().replace(/-/g, "")}`;

async function post(route: RouteContract, body: object, token: string, shadow: boolean) {
  const response = await fetch(`${runtime.baseUrl}${route.path}`, {
    method: "POST",
    headers: {
      authorization: bearerHeader(token),
      "content-type": "application/json",
      ...(shadow && { "x-keiko-shadow": "1" }),
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** Rows of the tables a registration or a proposal writes, its cross-pallet effects included. */
async function rowCounts() {
  const { rows } = await runtime.pool.query<Record<string, number>>(
    `select (select count(*)::int from users) as users,
            (select count(*)::int from passport_entries) as passport_entries,
            (select count(*)::int from proposals) as proposals,
            (select count(*)::int from outbox) as outbox,
            (select count(*)::int from sync_changes) as sync_changes`,
  );
  return rows[0] ?? {};
}

describe("a shadow copy on the legacy runtime", () => {
  it("registers a user in answer only: no user, passport entry, event or captured change", async () => {
    const before = await rowCounts();
    const input = { did: did(), displayName: "Mirrored", roles: ["student"] };
    const answer = await post(IDENTITY_ROUTES.registerUser, input, await gatewayToken(), true);
    expect(answer.status).toBe(201);
    expect(IDENTITY_ROUTES.registerUser.response.parse(answer.body)).toMatchObject(input);
    expect(await rowCounts()).toEqual(before);

    const real = await post(IDENTITY_ROUTES.registerUser, input, await gatewayToken(), false);
    expect(real.status).toBe(201);
    const after = await rowCounts();
    expect(after.users).toBe((before.users ?? 0) + 1);
    expect(after.passport_entries).toBe((before.passport_entries ?? 0) + 1);
    expect(after.outbox).toBeGreaterThan(before.outbox ?? 0);
  });

  it("answers a proposal of a real user with 201 and keeps nothing of it", async () => {
    const proposer = await post(
      IDENTITY_ROUTES.registerUser,
      { did: did(), displayName: "Proposer", roles: ["student"] },
      await gatewayToken(),
      false,
    );
    const before = await rowCounts();
    const proposal = {
      title: "Shadowed proposal",
      description: "Never kept",
      proposerId: proposer.body.id,
      votingStartsAt: new Date(Date.now() - 60_000).toISOString(),
      votingEndsAt: new Date(Date.now() + 60_000).toISOString(),
    };
    const answer = await post(
      GOVERNANCE_ROUTES.createProposal,
      proposal,
      await gatewayToken(),
      true,
    );
    expect(answer.status).toBe(201);
    expect(GOVERNANCE_ROUTES.createProposal.response.parse(answer.body)).toMatchObject({
      title: proposal.title,
    });
    expect(await rowCounts()).toEqual(before);
  });

  it("writes for real when the shadow mark comes with a token that is not the gateway's", async () => {
    const before = await rowCounts();
    const input = { did: did(), displayName: "Forged mark", roles: ["tutor"] };
    const answer = await post(IDENTITY_ROUTES.registerUser, input, await workerToken(), true);
    expect(answer.status).toBe(201);
    const after = await rowCounts();
    expect(after.users).toBe((before.users ?? 0) + 1);
    expect(after.outbox).toBeGreaterThan(before.outbox ?? 0);
  });
});
