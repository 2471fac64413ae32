import { eq, type SQL, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEvent } from "@/lib/contracts/events/create-event";
import type { UserRole } from "@/lib/contracts/identity";
import { MARKETPLACE_ROUTES } from "@/lib/contracts/marketplace";
import { SCORE_CHANGED_V1 } from "@/lib/contracts/reputation";
import { parseContractEnvelope } from "@/lib/events/contract-parsers";
import { createEventConsumer, type EventConsumer } from "@/lib/events/event-consumer";
import { createHandlerRegistry } from "@/lib/events/handler-registry";
import { deadLetterKey } from "@/lib/events/stream-keys";
import { deleteKeys, uniquePrefix } from "@/lib/events/testing/harness";
import type { OutboxEvent } from "@/lib/events/transport-event";
import { callRoute } from "@/lib/http/call-route";
import { tokenFor } from "@/lib/testing/contract-target";
import { marketplaceContract } from "@/lib/testing/contracts/marketplace-contract";
import { userRegisteredEvent } from "@/lib/testing/domain-events";
import { deliverEvents } from "@/lib/testing/event-delivery";
import { startServiceUnderTest } from "@/lib/testing/service-under-test";
import { countRows } from "@/lib/testing/sql-count";
import { buildMarketplaceApp } from "./app";
import { MARKETPLACE_CONSUMER, scoreChangedHandler, userRegisteredHandler } from "./handlers";
import { reputationScores } from "./schema";

let service: Awaited<ReturnType<typeof startServiceUnderTest>>;
let consumer: EventConsumer;
const prefix = uniquePrefix();

beforeAll(async () => {
  service = await startServiceUnderTest("marketplace", buildMarketplaceApp);
  consumer = createEventConsumer({
    redis: service.redis,
    db: service.db,
    prefix,
    group: MARKETPLACE_CONSUMER.group,
    consumer: "marketplace-test",
    aggregateTypes: MARKETPLACE_CONSUMER.aggregateTypes,
    registry: createHandlerRegistry(MARKETPLACE_CONSUMER.handlers),
    parseEnvelope: parseContractEnvelope,
    blockMs: 20,
  });
});
afterAll(async () => {
  await consumer?.stop();
  if (service) await deleteKeys(service.redis, prefix);
  await service?.close();
});

const target = () => ({ service: "marketplace", baseUrl: service.baseUrl });
const metadata = () => ({ correlation_id: crypto.randomUUID(), producer: "test" });

function userRegistered(userId: string, roles?: UserRole[]) {
  return userRegisteredEvent(userId, { roles, metadata: metadata() });
}

function scoreChanged(userId: string, score: number, changedAt: string) {
  return createEvent(SCORE_CHANGED_V1, {
    aggregateId: userId,
    data: {
      user_id: userId,
      previous_score: 40,
      score,
      cause: "session",
      cause_id: crypto.randomUUID(),
      changed_at: changedAt,
    },
    metadata: metadata(),
  });
}

/** Puts events on their streams as the relay would, and lets the consumer group read them all. */
const deliver = (events: readonly OutboxEvent[]) =>
  deliverEvents(service.redis, prefix, consumer, events);

const count = (query: SQL) => countRows(service.db, query);

marketplaceContract(target, {
  ensureUsers: (users) => deliver(users.map((user) => userRegistered(user.id, user.roles))),
});

describe("marketplace service", () => {
  it("writes marketplace.SessionCompleted to its outbox with the session, and nothing on 409", async () => {
    const token = await tokenFor(target(), ["marketplace:write"]);
    const [tutorId, studentId] = [crypto.randomUUID(), crypto.randomUUID()];
    await deliver([userRegistered(tutorId, ["tutor"]), userRegistered(studentId)]);
    const call = <R extends (typeof MARKETPLACE_ROUTES)[keyof typeof MARKETPLACE_ROUTES]>(
      route: R,
      request: Parameters<typeof callRoute<R>>[2],
    ) => callRoute(service.baseUrl, route, request, { token });
    const offer = await call(MARKETPLACE_ROUTES.createOffer, {
      body: {
        tutorId,
        title: "Chemistry",
        subject: "chemistry",
        durationMinutes: 45,
        price: { amountMinor: 3_000, currency: "EUR" },
      },
    });
    if (offer.kind !== "success") throw new Error(JSON.stringify(offer));
    const booking = await call(MARKETPLACE_ROUTES.createBooking, {
      body: { offerId: offer.body.id, studentId, scheduledAt: "2027-01-10T09:00:00Z" },
    });
    if (booking.kind !== "success") throw new Error(JSON.stringify(booking));
    const outboxSize = () => count(sql`select count(*)::int as n from outbox`);
    // offers, bookings and cancellations publish nothing
    expect(await outboxSize()).toBe(await count(sql`select count(*)::int as n from sessions`));
    const params = { bookingId: booking.body.id };
    const session = await call(MARKETPLACE_ROUTES.completeBooking, {
      params,
      body: { durationSeconds: 2_700 },
    });
    if (session.kind !== "success") throw new Error(JSON.stringify(session));
    const rows = await service.db.execute(
      sql`select event_type, aggregate_type, aggregate_id, data, sent_at from outbox
          where aggregate_id = ${session.body.id}`,
    );
    expect(rows.rows).toEqual([
      {
        event_type: "marketplace.SessionCompleted",
        aggregate_type: "session",
        aggregate_id: session.body.id,
        data: {
          session_id: session.body.id,
          booking_id: booking.body.id,
          offer_id: offer.body.id,
          tutor_id: tutorId,
          student_id: studentId,
          duration_seconds: 2_700,
          completed_at: session.body.completedAt,
        },
        sent_at: null,
      },
    ]);
    const before = await outboxSize();
    const concurrent = await Promise.all(
      [1, 2, 3].map(() =>
        call(MARKETPLACE_ROUTES.completeBooking, { params, body: { durationSeconds: 60 } }),
      ),
    );
    expect(concurrent.map((r) => r.status)).toEqual([409, 409, 409]);
    expect(await outboxSize()).toBe(before);
    expect(await outboxSize()).toBe(await count(sql`select count(*)::int as n from sessions`));
  });

  it("completes a booking once when completions race", async () => {
    const token = await tokenFor(target(), ["marketplace:write"]);
    const [tutorId, studentId] = [crypto.randomUUID(), crypto.randomUUID()];
    await deliver([userRegistered(tutorId, ["tutor"]), userRegistered(studentId)]);
    const offer = await callRoute(
      service.baseUrl,
      MARKETPLACE_ROUTES.createOffer,
      {
        body: {
          tutorId,
          title: "Biology",
          subject: "biology",
          durationMinutes: 30,
          price: { amountMinor: 0, currency: "EUR" },
        },
      },
      { token },
    );
    if (offer.kind !== "success") throw new Error(JSON.stringify(offer));
    const booking = await callRoute(
      service.baseUrl,
      MARKETPLACE_ROUTES.createBooking,
      { body: { offerId: offer.body.id, studentId, scheduledAt: "2027-01-10T09:00:00Z" } },
      { token },
    );
    if (booking.kind !== "success") throw new Error(JSON.stringify(booking));
    const results = await Promise.all(
      [1, 2, 3, 4].map(() =>
        callRoute(
          service.baseUrl,
          MARKETPLACE_ROUTES.completeBooking,
          { params: { bookingId: booking.body.id }, body: { durationSeconds: 1_200 } },
          { token },
        ),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    expect(
      await count(
        sql`select count(*)::int as n from outbox where data->>'booking_id' = ${booking.body.id}`,
      ),
    ).toBe(1);
  });

  it("learns each user once, however often the registration arrives", async () => {
    const userId = crypto.randomUUID();
    const event = userRegistered(userId, ["tutor"]);
    const duplicatesBefore = consumer.stats.duplicates;
    await deliver([event, event]);
    expect(consumer.stats.duplicates).toBe(duplicatesBefore + 1);
    await service.db.transaction((tx) =>
      userRegisteredHandler.handle(userRegistered(userId, ["student"]), {
        tx,
        group: "marketplace",
        stream: "test",
        entryId: "0-1",
        deliveries: 1,
      }),
    );
    const rows = await service.db.execute(
      sql`select roles from known_users where user_id = ${userId}`,
    );
    expect(rows.rows).toEqual([{ roles: ["tutor"] }]);
  });

  it("keeps each user's latest reputation score, whatever the order of the changes", async () => {
    const userId = crypto.randomUUID();
    const newest = scoreChanged(userId, 55.5, "2026-11-27T10:00:02.000Z");
    const older = scoreChanged(userId, 41.1, "2026-11-27T10:00:01.000Z");
    await deliver([newest, older, newest]);
    await service.db.transaction((tx) =>
      scoreChangedHandler.handle(older, {
        tx,
        group: "marketplace",
        stream: "test",
        entryId: "0-1",
        deliveries: 1,
      }),
    );
    const rows = await service.db
      .select({ score: reputationScores.score, changedAt: reputationScores.changedAt })
      .from(reputationScores)
      .where(eq(reputationScores.userId, userId));
    expect(rows).toEqual([{ score: 55.5, changedAt: new Date("2026-11-27T10:00:02.000Z") }]);
    await deliver([scoreChanged(userId, 60, "2026-11-27T10:00:03.000Z")]);
    const latest = await service.db.execute(
      sql`select score from reputation_scores where user_id = ${userId}`,
    );
    expect(latest.rows).toEqual([{ score: 60 }]);
  });

  it("sends a score change that breaks its contract to the dead-letter queue", async () => {
    const broken = scoreChanged(crypto.randomUUID(), 50, new Date().toISOString());
    await deliver([{ ...broken, data: { ...broken.data, score: 150 } }]);
    const dead = await service.redis.xrange(deadLetterKey(prefix, "reputation_score"), "-", "+");
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
    const response = await fetch(`${service.baseUrl}/api/marketplace/v1/offers`);
    expect(response.status).toBe(401);
  });
});
