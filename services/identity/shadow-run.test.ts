import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueServiceToken } from "@/lib/auth/issue-service-token";
import { IDENTITY_ROUTES } from "@/lib/contracts/identity";
import { bearerHeader } from "@/lib/http/bearer-token";
import { testServiceKey, tokenFor } from "@/lib/testing/contract-target";
import { startServiceUnderTest } from "@/lib/testing/service-under-test";
import { buildIdentityApp } from "./app";

let service: Awaited<ReturnType<typeof startServiceUnderTest>>;
beforeAll(async () => {
  service = await startServiceUnderTest("identity", buildIdentityApp);
});
afterAll(() => service?.close());

const PERMISSIONS = ["identity:read", "identity:write"];
const gatewayToken = () => tokenFor({ service: "identity", baseUrl: "" }, PERMISSIONS);
/** A valid token of another caller: it may call identity, but not mark a request as shadow. */
const learningToken = () =>
  issueServiceToken({
    key: testServiceKey,
    subject: "learning",
    audience: "identity",
    serviceType: "domain-service",
    permissions: PERMISSIONS,
  });

const did = () => `did:key:z6Mk${crypto.randomUUID().replace(/-/g, "")}`;

async function register(body: object, token: string, shadow: boolean) {
  const response = await fetch(`${service.baseUrl}${IDENTITY_ROUTES.registerUser.path}`, {
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

/** Rows of every table a registration writes: the user, its event, and the sync's capture. */
async function rowCounts() {
  const { rows } = await service.pool.query<Record<string, number>>(
    `select (select count(*)::int from users) as users,
            (select count(*)::int from outbox) as outbox,
            (select count(*)::int from sync_changes) as sync_changes`,
  );
  return rows[0];
}

describe("a shadow copy on the identity service", () => {
  it("answers 201 with a user, as a real registration does, and writes nothing", async () => {
    const before = await rowCounts();
    const input = { did: did(), displayName: "Shadowed", roles: ["student"] };
    const answer = await register(input, await gatewayToken(), true);
    expect(answer.status).toBe(IDENTITY_ROUTES.registerUser.status);
    expect(IDENTITY_ROUTES.registerUser.response.parse(answer.body)).toMatchObject(input);
    expect(await rowCounts()).toEqual(before);

    // nothing was kept: the same DID then registers for real, with an answer of the same shape
    const real = await register(input, await gatewayToken(), false);
    expect(real.status).toBe(201);
    expect(Object.keys(real.body).sort()).toEqual(Object.keys(answer.body).sort());
    expect(await rowCounts()).toEqual({
      users: (before?.users ?? 0) + 1,
      outbox: (before?.outbox ?? 0) + 1,
      sync_changes: (before?.sync_changes ?? 0) + 1,
    });
  });

  it("runs the same rules: a taken DID is a 409 and a bad body a 400, as for real", async () => {
    const input = { did: did(), displayName: "Taken", roles: ["tutor"] };
    expect((await register(input, await gatewayToken(), false)).status).toBe(201);
    const before = await rowCounts();
    const conflict = await register(input, await gatewayToken(), true);
    expect(conflict).toMatchObject({ status: 409, body: { error: { code: "conflict" } } });
    const invalid = await register({ did: "nope" }, await gatewayToken(), true);
    expect(invalid.status).toBe(400);
    expect(await rowCounts()).toEqual(before);
  });

  it("ignores the shadow mark from any caller but the gateway: the write is real", async () => {
    const before = await rowCounts();
    const input = { did: did(), displayName: "Not shadow", roles: ["student"] };
    const answer = await register(input, await learningToken(), true);
    expect(answer.status).toBe(201);
    const after = await rowCounts();
    expect(after?.users).toBe((before?.users ?? 0) + 1);
    expect(after?.outbox).toBe((before?.outbox ?? 0) + 1);
  });
});
