import { type SQL, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UserRole } from "@/lib/contracts/identity";
import { LEARNING_ROUTES } from "@/lib/contracts/learning";
import { parseContractEnvelope } from "@/lib/events/contract-parsers";
import { createEventConsumer, type EventConsumer } from "@/lib/events/event-consumer";
import { createHandlerRegistry } from "@/lib/events/handler-registry";
import { deadLetterKey } from "@/lib/events/stream-keys";
import { deleteKeys, uniquePrefix } from "@/lib/events/testing/harness";
import type { OutboxEvent } from "@/lib/events/transport-event";
import { callRoute } from "@/lib/http/call-route";
import { tokenFor } from "@/lib/testing/contract-target";
import { learningContract } from "@/lib/testing/contracts/learning-contract";
import { userRegisteredEvent } from "@/lib/testing/domain-events";
import { deliverEvents } from "@/lib/testing/event-delivery";
import { startServiceUnderTest } from "@/lib/testing/service-under-test";
import { countRows } from "@/lib/testing/sql-count";
import { buildLearningApp } from "./app";
import { LEARNING_CONSUMER } from "./handlers";

let service: Awaited<ReturnType<typeof startServiceUnderTest>>;
let consumer: EventConsumer;
const prefix = uniquePrefix();

beforeAll(async () => {
  service = await startServiceUnderTest("learning", buildLearningApp);
  consumer = createEventConsumer({
    redis: service.redis,
    db: service.db,
    prefix,
    group: LEARNING_CONSUMER.group,
    consumer: "learning-test",
    aggregateTypes: LEARNING_CONSUMER.aggregateTypes,
    registry: createHandlerRegistry(LEARNING_CONSUMER.handlers),
    parseEnvelope: parseContractEnvelope,
    blockMs: 20,
  });
});
afterAll(async () => {
  await consumer?.stop();
  if (service) await deleteKeys(service.redis, prefix);
  await service?.close();
});

const target = () => ({ service: "learning", baseUrl: service.baseUrl });

const userRegistered = (userId: string, roles?: UserRole[]) =>
  userRegisteredEvent(userId, { roles });

/** Puts events on their streams as the relay would, and lets the consumer group read them all. */
const deliver = (events: readonly OutboxEvent[]) =>
  deliverEvents(service.redis, prefix, consumer, events);

learningContract(target, {
  ensureUsers: (users) => deliver(users.map((user) => userRegistered(user.id, user.roles))),
});

const count = (query: SQL) => countRows(service.db, query);

describe("learning service", () => {
  it("writes learning.InteractionCreated to its outbox with the interaction, and nothing on 422", async () => {
    const token = await tokenFor(target(), ["learning:write"]);
    const tutorId = crypto.randomUUID();
    const studentId = crypto.randomUUID();
    await deliver([userRegistered(tutorId, ["tutor"]), userRegistered(studentId)]);
    const body = {
      type: "mentoring" as const,
      content: "Career advice",
      durationSeconds: 900,
      tutorId,
      studentId,
    };
    const created = await callRoute(
      service.baseUrl,
      LEARNING_ROUTES.createInteraction,
      { body },
      { token },
    );
    expect(created.kind).toBe("success");
    if (created.kind !== "success") return;
    const rows = await service.db.execute(
      sql`select event_type, aggregate_type, aggregate_id, data, sent_at from outbox where aggregate_id = ${created.body.id}`,
    );
    expect(rows.rows).toEqual([
      {
        event_type: "learning.InteractionCreated",
        aggregate_type: "interaction",
        aggregate_id: created.body.id,
        data: {
          interaction_id: created.body.id,
          type: "mentoring",
          content: "Career advice",
          duration_seconds: 900,
          tutor_id: tutorId,
          student_id: studentId,
          occurred_at: created.body.occurredAt,
        },
        sent_at: null,
      },
    ]);
    const before = await count(sql`select count(*)::int as n from outbox`);
    const refused = await callRoute(
      service.baseUrl,
      LEARNING_ROUTES.createInteraction,
      { body: { ...body, studentId: crypto.randomUUID() } },
      { token },
    );
    expect(refused).toMatchObject({
      status: 422,
      body: { error: { details: { reason: "unknown_user" } } },
    });
    expect(await count(sql`select count(*)::int as n from outbox`)).toBe(before);
    expect(await count(sql`select count(*)::int as n from interactions`)).toBe(
      await count(sql`select count(*)::int as n from outbox`),
    );
  });

  it("learns each registered user once, however often the registration arrives", async () => {
    const userId = crypto.randomUUID();
    const event = userRegistered(userId, ["tutor", "student"]);
    const duplicatesBefore = consumer.stats.duplicates;
    await deliver([event, event]);
    // a second registration event for the same user (e.g. a replay with a new id) changes nothing
    await deliver([userRegistered(userId, ["institution"])]);
    const rows = await service.db.execute(
      sql`select roles from known_users where user_id = ${userId}`,
    );
    expect(rows.rows).toEqual([{ roles: ["tutor", "student"] }]);
    expect(consumer.stats.duplicates).toBe(duplicatesBefore + 1);
    expect(
      await count(
        sql`select count(*)::int as n from inbox where consumer_group = 'learning' and event_id = ${event.event_id}`,
      ),
    ).toBe(1);
  });

  it("sends a registration that breaks its contract to the dead-letter queue", async () => {
    const broken = userRegistered(crypto.randomUUID());
    await deliver([{ ...broken, data: { ...broken.data, roles: [] } }]);
    const dead = await service.redis.xrange(deadLetterKey(prefix, "user"), "-", "+");
    expect(dead.map(([, fields]) => fields.join(" "))).toEqual([
      expect.stringContaining(broken.event_id),
    ]);
    expect(
      await count(
        sql`select count(*)::int as n from known_users where user_id = ${broken.aggregate_id}`,
      ),
    ).toBe(0);
  });

  it("is ready when its database and Redis answer", async () => {
    const ready = await fetch(`${service.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready" });
  });

  it("refuses requests without a service token", async () => {
    const response = await fetch(`${service.baseUrl}/api/learning/v1/interactions`);
    expect(response.status).toBe(401);
  });
});
