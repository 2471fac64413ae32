import { type SQL, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEvent } from "@/lib/contracts/events/create-event";
import type { UserRole } from "@/lib/contracts/identity";
import { INTERACTION_CREATED_V1 } from "@/lib/contracts/learning";
import { PASSPORT_ROUTES } from "@/lib/contracts/passport";
import {
  derivedId,
  interactionSourceKey,
  registrationSourceKey,
} from "@/lib/data-sync/derived-ids";
import { parseContractEnvelope } from "@/lib/events/contract-parsers";
import { createEventConsumer, type EventConsumer } from "@/lib/events/event-consumer";
import type { EventHandler } from "@/lib/events/event-handler";
import { createHandlerRegistry } from "@/lib/events/handler-registry";
import { deadLetterKey } from "@/lib/events/stream-keys";
import { deleteKeys, uniquePrefix } from "@/lib/events/testing/harness";
import type { OutboxEvent } from "@/lib/events/transport-event";
import { callRoute } from "@/lib/http/call-route";
import { tokenFor } from "@/lib/testing/contract-target";
import {
  type PassportSeedInteraction,
  passportContract,
} from "@/lib/testing/contracts/passport-contract";
import { userRegisteredEvent } from "@/lib/testing/domain-events";
import { deliverEvents } from "@/lib/testing/event-delivery";
import { startServiceUnderTest } from "@/lib/testing/service-under-test";
import { countRows } from "@/lib/testing/sql-count";
import { buildPassportApp } from "./app";
import { interactionCreatedHandler, PASSPORT_CONSUMER, userRegisteredHandler } from "./handlers";

let service: Awaited<ReturnType<typeof startServiceUnderTest>>;
let consumer: EventConsumer;
const prefix = uniquePrefix();

beforeAll(async () => {
  service = await startServiceUnderTest("passport", buildPassportApp);
  consumer = createEventConsumer({
    redis: service.redis,
    db: service.db,
    prefix,
    group: PASSPORT_CONSUMER.group,
    consumer: "passport-test",
    aggregateTypes: PASSPORT_CONSUMER.aggregateTypes,
    registry: createHandlerRegistry(PASSPORT_CONSUMER.handlers),
    parseEnvelope: parseContractEnvelope,
    blockMs: 20,
  });
});
afterAll(async () => {
  await consumer?.stop();
  if (service) await deleteKeys(service.redis, prefix);
  await service?.close();
});

const target = () => ({ service: "passport", baseUrl: service.baseUrl });
const metadata = () => ({
  correlation_id: crypto.randomUUID(),
  producer: "test",
  traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
});

function userRegistered(userId: string, roles?: UserRole[]) {
  return userRegisteredEvent(userId, { roles, metadata: metadata() });
}

function interactionCreated(interaction: PassportSeedInteraction) {
  return createEvent(INTERACTION_CREATED_V1, {
    aggregateId: interaction.id,
    data: {
      interaction_id: interaction.id,
      type: interaction.type,
      content: interaction.content,
      duration_seconds: interaction.durationSeconds,
      tutor_id: interaction.tutorId,
      student_id: interaction.studentId,
      occurred_at: interaction.occurredAt,
    },
    metadata: metadata(),
  });
}

function interaction(studentId: string, id = crypto.randomUUID()): PassportSeedInteraction {
  return {
    id,
    type: "exercise",
    content: "Quadratic equations",
    durationSeconds: 600,
    tutorId: crypto.randomUUID(),
    studentId,
    occurredAt: "2024-02-01T09:30:00.000Z",
  };
}

/** Puts events on their streams as the relay would, and lets the consumer group read them all. */
const deliver = (events: readonly OutboxEvent[]) =>
  deliverEvents(service.redis, prefix, consumer, events);

/** Runs a handler in a transaction of its own, without the consumer's inbox. */
function handleDirectly(handler: EventHandler, event: OutboxEvent) {
  return service.db.transaction((tx) =>
    handler.handle(event, { tx, group: "passport", stream: "test", entryId: "0-1", deliveries: 1 }),
  );
}

const count = (query: SQL) => countRows(service.db, query);

passportContract(target, {
  ensureUsers: (users) => deliver(users.map((user) => userRegistered(user.id, user.roles))),
  recordInteraction: (item) => deliver([interactionCreated(item)]),
});

describe("passport service", () => {
  it("writes passport.EntryAdded to its outbox with each entry, and nothing for a refusal", async () => {
    const token = await tokenFor(target(), ["passport:write"]);
    const userId = crypto.randomUUID();
    await deliver([userRegistered(userId)]);
    const body = {
      kind: "achievement" as const,
      title: "First marathon",
      occurredAt: "2024-10-13T08:00:00Z",
    };
    const added = await callRoute(
      service.baseUrl,
      PASSPORT_ROUTES.addEntry,
      { params: { userId }, body },
      { token },
    );
    expect(added.kind).toBe("success");
    if (added.kind !== "success") return;
    const rows = await service.db.execute(
      sql`select event_type, aggregate_type, aggregate_id, data, metadata, sent_at from outbox
          where aggregate_id = ${userId} order by id`,
    );
    expect(rows.rows).toEqual([
      expect.objectContaining({
        event_type: "passport.EntryAdded",
        data: expect.objectContaining({ kind: "registration", user_id: userId }),
      }),
      {
        event_type: "passport.EntryAdded",
        aggregate_type: "passport",
        aggregate_id: userId,
        data: {
          entry_id: added.body.id,
          user_id: userId,
          kind: "achievement",
          title: "First marathon",
          source_event_id: null,
          occurred_at: "2024-10-13T08:00:00.000Z",
        },
        metadata: expect.objectContaining({ producer: "passport" }),
        sent_at: null,
      },
    ]);

    const before = await count(sql`select count(*)::int as n from outbox`);
    const refusals = [
      { params: { userId }, body: { ...body, id: added.body.id } },
      { params: { userId }, body: { ...body, issuerId: crypto.randomUUID() } },
      { params: { userId: crypto.randomUUID() }, body },
    ];
    for (const request of refusals) {
      const refused = await callRoute(service.baseUrl, PASSPORT_ROUTES.addEntry, request, {
        token,
      });
      expect(refused.kind).toBe("error");
    }
    expect(await count(sql`select count(*)::int as n from outbox`)).toBe(before);
    expect(await count(sql`select count(*)::int as n from passport_entries`)).toBe(before);
  });

  it("publishes the entries it builds from events, caused by them", async () => {
    const userId = crypto.randomUUID();
    const registration = userRegistered(userId, ["tutor"]);
    await deliver([registration]);
    const rows = await service.db.execute<{ data: unknown; metadata: unknown }>(
      sql`select data, metadata from outbox where aggregate_id = ${userId}`,
    );
    expect(rows.rows).toEqual([
      {
        data: expect.objectContaining({
          kind: "registration",
          title: "Registered on Keiko as tutor",
          source_event_id: registration.event_id,
          occurred_at: registration.data.registered_at,
        }),
        metadata: {
          correlation_id: registration.metadata.correlation_id,
          causation_id: registration.event_id,
          traceparent: registration.metadata.traceparent,
          producer: "passport",
        },
      },
    ]);
  });

  it("builds each entry once, however often its event arrives", async () => {
    const userId = crypto.randomUUID();
    const registration = userRegistered(userId, ["student"]);
    const learned = interactionCreated(interaction(userId));
    const duplicatesBefore = consumer.stats.duplicates;
    await deliver([registration, registration, learned, learned]);
    expect(consumer.stats.duplicates).toBe(duplicatesBefore + 2);
    // past the inbox (a replay under a new event id, or a handler run twice): still one entry
    await handleDirectly(userRegisteredHandler, registration);
    await handleDirectly(userRegisteredHandler, userRegistered(userId, ["institution"]));
    await handleDirectly(interactionCreatedHandler, learned);
    await handleDirectly(interactionCreatedHandler, {
      ...learned,
      event_id: crypto.randomUUID(),
    });
    const entries = await service.db.execute(
      sql`select kind, duration_seconds from passport_entries where user_id = ${userId} order by kind`,
    );
    expect(entries.rows).toEqual([
      { kind: "interaction", duration_seconds: 600 },
      { kind: "registration", duration_seconds: 0 },
    ]);
    const roles = await service.db.execute(
      sql`select roles from passports where user_id = ${userId}`,
    );
    expect(roles.rows).toEqual([{ roles: ["student"] }]);
    expect(
      await count(sql`select count(*)::int as n from outbox where aggregate_id = ${userId}`),
    ).toBe(2);
    expect(
      await count(
        sql`select count(*)::int as n from inbox where consumer_group = 'passport'
            and event_id in (${registration.event_id}, ${learned.event_id})`,
      ),
    ).toBe(2);
  });

  it("opens the passport of a student whose interaction arrives before the registration", async () => {
    const token = await tokenFor(target(), ["passport:read"]);
    const userId = crypto.randomUUID();
    await deliver([interactionCreated(interaction(userId))]);
    const early = await callRoute(
      service.baseUrl,
      PASSPORT_ROUTES.getPassport,
      { params: { userId } },
      { token },
    );
    expect(early).toMatchObject({
      kind: "success",
      body: { entryCount: 1, totalLearningSeconds: 600 },
    });
    await deliver([userRegistered(userId, ["student", "institution"])]);
    const roles = await service.db.execute(
      sql`select roles from passports where user_id = ${userId}`,
    );
    expect(roles.rows).toEqual([{ roles: ["student", "institution"] }]);
    const late = await callRoute(
      service.baseUrl,
      PASSPORT_ROUTES.getPassport,
      { params: { userId } },
      { token },
    );
    expect(late.kind === "success" && late.body.recentEntries.map((e) => e.kind)).toEqual([
      "registration",
      "interaction",
    ]);
  });

  it("gives derived entries the ids the legacy runtime gives them", async () => {
    const userId = crypto.randomUUID();
    const learned = interactionCreated(interaction(userId));
    await deliver([userRegistered(userId, ["student"]), learned]);
    const entries = await service.db.execute(
      sql`select id, source_key from passport_entries where user_id = ${userId} order by kind`,
    );
    const interactionKey = interactionSourceKey(learned.data.interaction_id);
    expect(entries.rows).toEqual([
      { id: derivedId(interactionKey), source_key: interactionKey },
      { id: derivedId(registrationSourceKey(userId)), source_key: registrationSourceKey(userId) },
    ]);
  });

  it("keeps the passport open but writes no entry the producer wrote already", async () => {
    const userId = crypto.randomUUID();
    const written = { ...metadata(), effects_applied: ["reputation", "passport"] };
    await deliver([
      { ...userRegistered(userId, ["student", "tutor"]), metadata: written },
      { ...interactionCreated(interaction(userId)), metadata: written },
    ]);
    const passports = await service.db.execute(
      sql`select roles from passports where user_id = ${userId}`,
    );
    expect(passports.rows).toEqual([{ roles: ["student", "tutor"] }]);
    expect(
      await count(sql`select count(*)::int as n from passport_entries where user_id = ${userId}`),
    ).toBe(0);
    expect(
      await count(sql`select count(*)::int as n from outbox where aggregate_id = ${userId}`),
    ).toBe(0);

    // an event whose producer applied only reputation's effect: the entry is passport's to write
    const onlyReputation = { ...metadata(), effects_applied: ["reputation"] };
    await deliver([{ ...interactionCreated(interaction(userId)), metadata: onlyReputation }]);
    expect(
      await count(sql`select count(*)::int as n from passport_entries where user_id = ${userId}`),
    ).toBe(1);
  });

  it("sends an event whose effects_applied is not a list to the dead-letter queue", async () => {
    const userId = crypto.randomUUID();
    const broken = {
      ...userRegistered(userId),
      metadata: { ...metadata(), effects_applied: "passport" },
    };
    await deliver([broken]);
    const dead = await service.redis.xrange(deadLetterKey(prefix, "user"), "-", "+");
    expect(dead.map(([, fields]) => fields.join(" "))).toContainEqual(
      expect.stringContaining(broken.event_id),
    );
    expect(
      await count(sql`select count(*)::int as n from passports where user_id = ${userId}`),
    ).toBe(0);
  });

  it("sends an interaction that breaks its contract to the dead-letter queue", async () => {
    const broken = interactionCreated(interaction(crypto.randomUUID()));
    await deliver([{ ...broken, data: { ...broken.data, duration_seconds: -5 } }]);
    const dead = await service.redis.xrange(deadLetterKey(prefix, "interaction"), "-", "+");
    expect(dead.map(([, fields]) => fields.join(" "))).toEqual([
      expect.stringContaining(broken.event_id),
    ]);
    expect(
      await count(
        sql`select count(*)::int as n from passports where user_id = ${broken.data.student_id}`,
      ),
    ).toBe(0);
  });

  it("is ready when its database and Redis answer", async () => {
    const ready = await fetch(`${service.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready" });
  });

  it("refuses requests without a service token, and without the permission", async () => {
    const path = `${service.baseUrl}/api/passport/v1/passports/${crypto.randomUUID()}`;
    expect((await fetch(path)).status).toBe(401);
    const readOnly = await tokenFor(target(), ["passport:read"]);
    const write = await fetch(`${path}/entries`, {
      method: "POST",
      headers: { authorization: `Bearer ${readOnly}`, "content-type": "application/json" },
      body: JSON.stringify({ kind: "achievement", title: "x", occurredAt: "2024-01-01T00:00:00Z" }),
    });
    expect(write.status).toBe(403);
  });
});
