import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IDENTITY_ROUTES } from "@/lib/contracts/identity";
import { callRoute } from "@/lib/http/call-route";
import { tokenFor } from "@/lib/testing/contract-target";
import { identityContract } from "@/lib/testing/contracts/identity-contract";
import { startServiceUnderTest } from "@/lib/testing/service-under-test";
import { buildIdentityApp } from "./app";

let service: Awaited<ReturnType<typeof startServiceUnderTest>>;
beforeAll(async () => {
  service = await startServiceUnderTest("identity", buildIdentityApp);
});
afterAll(() => service?.close());

const target = () => ({ service: "identity", baseUrl: service.baseUrl });

identityContract(target);

describe("identity service", () => {
  it("writes identity.UserRegistered to its outbox in the same transaction as the user", async () => {
    const token = await tokenFor(target(), ["identity:write"]);
    const did = `did:key:z6Mk${crypto.randomUUID().replace(/-/g, "")}`;
    const created = await callRoute(
      service.baseUrl,
      IDENTITY_ROUTES.registerUser,
      { body: { did, displayName: "Outboxed", roles: ["student"] } },
      { token },
    );
    expect(created.kind).toBe("success");
    if (created.kind !== "success") return;
    const rows = await service.db.execute(
      sql`select event_type, aggregate_type, aggregate_id, data, sent_at from outbox where aggregate_id = ${created.body.id}`,
    );
    expect(rows.rows).toEqual([
      {
        event_type: "identity.UserRegistered",
        aggregate_type: "user",
        aggregate_id: created.body.id,
        data: expect.objectContaining({ user_id: created.body.id, did, roles: ["student"] }),
        sent_at: null,
      },
    ]);
    // a refused registration (same DID) publishes nothing
    await callRoute(
      service.baseUrl,
      IDENTITY_ROUTES.registerUser,
      { body: { did, displayName: "Again", roles: ["student"] } },
      { token },
    );
    const count = await service.db.execute(sql`select count(*)::int as n from outbox`);
    const users = await service.db.execute(sql`select count(*)::int as n from users`);
    expect(count.rows[0]).toEqual(users.rows[0]);
  });

  it("is ready when its database and Redis answer, and serves metrics without a token", async () => {
    const ready = await fetch(`${service.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready" });
    const metrics = await (await fetch(`${service.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /http_server_request_duration_seconds_count\{[^}]*route="\/api\/identity\/v1\/users"[^}]*\} [1-9]/,
    );
  });

  it("refuses requests without a service token", async () => {
    const response = await fetch(`${service.baseUrl}/api/identity/v1/users`);
    expect(response.status).toBe(401);
  });
});
