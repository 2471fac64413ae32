import { type SQL, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GOVERNANCE_ROUTES } from "@/lib/contracts/governance";
import type { UserRole } from "@/lib/contracts/identity";
import { parseContractEnvelope } from "@/lib/events/contract-parsers";
import { createEventConsumer, type EventConsumer } from "@/lib/events/event-consumer";
import { createHandlerRegistry } from "@/lib/events/handler-registry";
import { deadLetterKey } from "@/lib/events/stream-keys";
import { deleteKeys, uniquePrefix } from "@/lib/events/testing/harness";
import type { OutboxEvent } from "@/lib/events/transport-event";
import { callRoute } from "@/lib/http/call-route";
import { tokenFor } from "@/lib/testing/contract-target";
import { governanceContract } from "@/lib/testing/contracts/governance-contract";
import { userRegisteredEvent } from "@/lib/testing/domain-events";
import { deliverEvents } from "@/lib/testing/event-delivery";
import { startServiceUnderTest } from "@/lib/testing/service-under-test";
import { countRows } from "@/lib/testing/sql-count";
import { buildGovernanceApp } from "./app";
import { GOVERNANCE_CONSUMER, userRegisteredHandler } from "./handlers";

let service: Awaited<ReturnType<typeof startServiceUnderTest>>;
let consumer: EventConsumer;
const prefix = uniquePrefix();

beforeAll(async () => {
  service = await startServiceUnderTest("governance", buildGovernanceApp);
  consumer = createEventConsumer({
    redis: service.redis,
    db: service.db,
    prefix,
    group: GOVERNANCE_CONSUMER.group,
    consumer: "governance-test",
    aggregateTypes: GOVERNANCE_CONSUMER.aggregateTypes,
    registry: createHandlerRegistry(GOVERNANCE_CONSUMER.handlers),
    parseEnvelope: parseContractEnvelope,
    blockMs: 20,
  });
});
afterAll(async () => {
  await consumer?.stop();
  if (service) await deleteKeys(service.redis, prefix);
  await service?.close();
});

const target = () => ({ service: "governance", baseUrl: service.baseUrl });

const userRegistered = (userId: string, roles?: UserRole[]) =>
  userRegisteredEvent(userId, { roles });

/** Puts events on their streams as the relay would, and lets the consumer group read them all. */
const deliver = (events: readonly OutboxEvent[]) =>
  deliverEvents(service.redis, prefix, consumer, events);

const count = (query: SQL) => countRows(service.db, query);

governanceContract(target, {
  ensureUsers: (users) => deliver(users.map((user) => userRegistered(user.id, user.roles))),
});

describe("governance service", () => {
  it("writes governance.ProposalDecided to its outbox once, with the decision", async () => {
    const token = await tokenFor(target(), ["governance:write"]);
    const [proposerId, voterId] = [crypto.randomUUID(), crypto.randomUUID()];
    await deliver([userRegistered(proposerId), userRegistered(voterId)]);
    const created = await callRoute(
      service.baseUrl,
      GOVERNANCE_ROUTES.createProposal,
      {
        body: {
          title: "Longer opening hours",
          description: "Until 22:00 on weekdays.",
          proposerId,
          votingStartsAt: new Date(Date.now() - 1_000).toISOString(),
          votingEndsAt: new Date(Date.now() + 600).toISOString(),
        },
      },
      { token },
    );
    if (created.kind !== "success") throw new Error(JSON.stringify(created));
    const params = { proposalId: created.body.id };
    const outboxSize = () => count(sql`select count(*)::int as n from outbox`);
    const before = await outboxSize();
    await callRoute(
      service.baseUrl,
      GOVERNANCE_ROUTES.castVote,
      { params, body: { voterId, choice: "yes" } },
      { token },
    );
    const early = await callRoute(
      service.baseUrl,
      GOVERNANCE_ROUTES.decideProposal,
      { params },
      {
        token,
      },
    );
    expect(early).toMatchObject({ status: 422 });
    expect(await outboxSize()).toBe(before);

    await new Promise((resolve) =>
      setTimeout(resolve, Date.parse(created.body.votingEndsAt) - Date.now() + 20),
    );
    const decisions = await Promise.all(
      [1, 2, 3].map(() =>
        callRoute(service.baseUrl, GOVERNANCE_ROUTES.decideProposal, { params }, { token }),
      ),
    );
    const decidedAt = decisions.map((d) => d.kind === "success" && d.body.decidedAt);
    expect(new Set(decidedAt).size).toBe(1);
    const rows = await service.db.execute(
      sql`select event_type, aggregate_type, aggregate_id, data, sent_at from outbox
          where aggregate_id = ${created.body.id}`,
    );
    expect(rows.rows).toEqual([
      {
        event_type: "governance.ProposalDecided",
        aggregate_type: "proposal",
        aggregate_id: created.body.id,
        data: {
          proposal_id: created.body.id,
          outcome: "accepted",
          tally: { yes: 1, no: 0, abstain: 0 },
          voting_ended_at: created.body.votingEndsAt,
          decided_at: decidedAt[0],
        },
        sent_at: null,
      },
    ]);
    expect(await outboxSize()).toBe(before + 1);
  });

  it("keeps one vote per user with a unique key, even under concurrent votes", async () => {
    const token = await tokenFor(target(), ["governance:write"]);
    const [proposerId, voterId] = [crypto.randomUUID(), crypto.randomUUID()];
    await deliver([userRegistered(proposerId), userRegistered(voterId)]);
    const created = await callRoute(
      service.baseUrl,
      GOVERNANCE_ROUTES.createProposal,
      {
        body: {
          title: "A new reading room",
          description: "In the east wing.",
          proposerId,
          votingStartsAt: new Date(Date.now() - 1_000).toISOString(),
          votingEndsAt: new Date(Date.now() + 3_600_000).toISOString(),
        },
      },
      { token },
    );
    if (created.kind !== "success") throw new Error(JSON.stringify(created));
    const params = { proposalId: created.body.id };
    const results = await Promise.all(
      (["yes", "no", "abstain", "yes"] as const).map((choice) =>
        callRoute(
          service.baseUrl,
          GOVERNANCE_ROUTES.castVote,
          { params, body: { voterId, choice } },
          { token },
        ),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    const tally = await service.db.execute(
      sql`select yes_count + no_count + abstain_count as total from proposals where id = ${created.body.id}`,
    );
    expect(tally.rows).toEqual([{ total: 1 }]);
    await expect(
      service.db.execute(
        sql`insert into votes (proposal_id, voter_id, choice, cast_at)
            values (${created.body.id}, ${voterId}, 'no', now())`,
      ),
    ).rejects.toMatchObject({ cause: { code: "23505", constraint: "votes_one_per_voter" } });
  });

  it("learns each member once, however often the registration arrives", async () => {
    const userId = crypto.randomUUID();
    const event = userRegistered(userId, ["tutor"]);
    const duplicatesBefore = consumer.stats.duplicates;
    await deliver([event, event]);
    expect(consumer.stats.duplicates).toBe(duplicatesBefore + 1);
    // past the inbox (a replay under a new event id): still one member with its first roles
    await service.db.transaction((tx) =>
      userRegisteredHandler.handle(userRegistered(userId, ["institution"]), {
        tx,
        group: "governance",
        stream: "test",
        entryId: "0-1",
        deliveries: 1,
      }),
    );
    const rows = await service.db.execute(sql`select roles from members where user_id = ${userId}`);
    expect(rows.rows).toEqual([{ roles: ["tutor"] }]);
    expect(
      await count(
        sql`select count(*)::int as n from inbox where consumer_group = 'governance' and event_id = ${event.event_id}`,
      ),
    ).toBe(1);
  });

  it("sends a registration that breaks its contract to the dead-letter queue", async () => {
    const broken = userRegistered(crypto.randomUUID());
    await deliver([{ ...broken, data: { ...broken.data, user_id: "not-a-uuid" } }]);
    const dead = await service.redis.xrange(deadLetterKey(prefix, "user"), "-", "+");
    expect(dead.map(([, fields]) => fields.join(" "))).toEqual([
      expect.stringContaining(broken.event_id),
    ]);
  });

  it("is ready when its database and Redis answer", async () => {
    const ready = await fetch(`${service.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready" });
  });

  it("refuses requests without a service token", async () => {
    const response = await fetch(`${service.baseUrl}/api/governance/v1/proposals`);
    expect(response.status).toBe(401);
  });
});
