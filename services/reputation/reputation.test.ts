import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEvent } from "@/lib/contracts/events/create-event";
import { INTERACTION_CREATED_V1 } from "@/lib/contracts/learning";
import { SESSION_COMPLETED_V1 } from "@/lib/contracts/marketplace";
import { REPUTATION_ROUTES } from "@/lib/contracts/reputation";
import { parseContractEnvelope } from "@/lib/events/contract-parsers";
import { createEventConsumer, type EventConsumer } from "@/lib/events/event-consumer";
import { createHandlerRegistry } from "@/lib/events/handler-registry";
import { deleteKeys, uniquePrefix } from "@/lib/events/testing/harness";
import type { OutboxEvent } from "@/lib/events/transport-event";
import { callRoute } from "@/lib/http/call-route";
import { tokenFor } from "@/lib/testing/contract-target";
import { reputationContract, type TutoringPair } from "@/lib/testing/contracts/reputation-contract";
import { deliverEvents } from "@/lib/testing/event-delivery";
import { startServiceUnderTest } from "@/lib/testing/service-under-test";
import { buildReputationApp } from "./app";
import { REPUTATION_CONSUMER } from "./handlers";

let service: Awaited<ReturnType<typeof startServiceUnderTest>>;
let consumer: EventConsumer;
const prefix = uniquePrefix();

beforeAll(async () => {
  service = await startServiceUnderTest("reputation", buildReputationApp);
  consumer = createEventConsumer({
    redis: service.redis,
    db: service.db,
    prefix,
    group: REPUTATION_CONSUMER.group,
    consumer: "reputation-test",
    aggregateTypes: REPUTATION_CONSUMER.aggregateTypes,
    registry: createHandlerRegistry(REPUTATION_CONSUMER.handlers),
    parseEnvelope: parseContractEnvelope,
    blockMs: 20,
  });
});
afterAll(async () => {
  await consumer?.stop();
  if (service) await deleteKeys(service.redis, prefix);
  await service?.close();
});

const target = () => ({ service: "reputation", baseUrl: service.baseUrl });
const metadata = () => ({ correlation_id: crypto.randomUUID(), producer: "test" });

function interactionCreated(pair: TutoringPair, interactionId: string = crypto.randomUUID()) {
  return createEvent(INTERACTION_CREATED_V1, {
    aggregateId: interactionId,
    data: {
      interaction_id: interactionId,
      type: "lesson",
      content: "Derivatives",
      duration_seconds: 1_200,
      tutor_id: pair.tutorId,
      student_id: pair.studentId,
      occurred_at: new Date().toISOString(),
    },
    metadata: metadata(),
  });
}

function sessionCompleted(pair: TutoringPair, sessionId: string = crypto.randomUUID()) {
  return createEvent(SESSION_COMPLETED_V1, {
    aggregateId: sessionId,
    data: {
      session_id: sessionId,
      booking_id: crypto.randomUUID(),
      offer_id: crypto.randomUUID(),
      tutor_id: pair.tutorId,
      student_id: pair.studentId,
      duration_seconds: 3_600,
      completed_at: new Date().toISOString(),
    },
    metadata: metadata(),
  });
}

/** Puts events on their streams as the relay would, and lets the consumer group read them all. */
const deliver = (events: readonly OutboxEvent[]) =>
  deliverEvents(service.redis, prefix, consumer, events);

reputationContract(target, {
  recordInteraction: (pair) => deliver([interactionCreated(pair)]),
  completeSession: (pair) => deliver([sessionCompleted(pair)]),
});

/** The ScoreChanged events in the outbox for one user, oldest first. */
async function scoreChanges(userId: string) {
  const result = await service.db.execute<{
    data: Record<string, unknown>;
    metadata: Record<string, unknown>;
  }>(
    sql`select data, metadata from outbox where event_type = 'reputation.ScoreChanged' and aggregate_id = ${userId} order by id`,
  );
  return result.rows;
}

async function score(userId: string) {
  const token = await tokenFor(target(), ["reputation:read"]);
  const answer = await callRoute(
    service.baseUrl,
    REPUTATION_ROUTES.getScore,
    { params: { userId } },
    { token },
  );
  if (answer.kind !== "success") throw new Error(JSON.stringify(answer));
  return answer.body;
}

describe("reputation service", () => {
  it("writes reputation.ScoreChanged with a rating that moves the score, and nothing otherwise", async () => {
    const token = await tokenFor(target(), ["reputation:write"]);
    const rate = (body: Record<string, unknown>) =>
      callRoute(
        service.baseUrl,
        REPUTATION_ROUTES.createRating,
        { body: body as never },
        { token },
      );
    const subjectId = crypto.randomUUID();
    // a first 3-star rating leaves the starting score as it is: counted, but no event
    expect(await rate({ raterId: crypto.randomUUID(), subjectId, stars: 3 })).toMatchObject({
      kind: "success",
    });
    expect(await scoreChanges(subjectId)).toEqual([]);
    expect(await score(subjectId)).toMatchObject({ score: 40, ratingCount: 1 });

    const id = crypto.randomUUID();
    const created = await rate({ id, raterId: crypto.randomUUID(), subjectId, stars: 5 });
    expect(created.kind).toBe("success");
    if (created.kind !== "success") return;
    expect(await scoreChanges(subjectId)).toEqual([
      {
        data: {
          user_id: subjectId,
          previous_score: 40,
          score: 50,
          cause: "rating",
          cause_id: id,
          changed_at: created.body.createdAt,
        },
        metadata: expect.objectContaining({ producer: "reputation" }),
      },
    ]);
    // refused ratings (the same id again, a self-rating) publish nothing and count nothing
    expect(await rate({ id, raterId: crypto.randomUUID(), subjectId, stars: 1 })).toMatchObject({
      status: 409,
    });
    expect(await rate({ raterId: subjectId, subjectId, stars: 1 })).toMatchObject({ status: 400 });
    expect(await scoreChanges(subjectId)).toHaveLength(1);
    expect(await score(subjectId)).toMatchObject({ score: 50, ratingCount: 2 });
  });

  it("serializes concurrent ratings of one user: each change starts from the one before", async () => {
    const token = await tokenFor(target(), ["reputation:write"]);
    const subjectId = crypto.randomUUID();
    const stars = [5, 1, 4, 2, 5, 5, 3, 1, 4, 5, 2, 5];
    const answers = await Promise.all(
      stars.map((value) =>
        callRoute(
          service.baseUrl,
          REPUTATION_ROUTES.createRating,
          { body: { raterId: crypto.randomUUID(), subjectId, stars: value } },
          { token },
        ),
      ),
    );
    expect(answers.every((answer) => answer.kind === "success")).toBe(true);
    const sum = stars.reduce((total, value) => total + value, 0);
    const expected =
      Math.floor((4000 * (sum - stars.length + 4) + stars.length + 2) / (2 * (stars.length + 2))) /
      100;
    expect(await score(subjectId)).toMatchObject({ score: expected, ratingCount: stars.length });
    const changes = (await scoreChanges(subjectId)).map((row) => row.data);
    expect(changes.at(-1)).toMatchObject({ score: expected });
    for (const [index, change] of changes.entries()) {
      expect(change.previous_score).toBe(index === 0 ? 40 : changes[index - 1]?.score);
    }
  });

  it("counts an interaction once however often it arrives, and publishes its score change", async () => {
    const pair = { tutorId: crypto.randomUUID(), studentId: crypto.randomUUID() };
    const event = interactionCreated(pair);
    const duplicatesBefore = consumer.stats.duplicates;
    await deliver([event, event]);
    // the same interaction under a new event id (e.g. republished) changes nothing either
    await deliver([interactionCreated(pair, event.data.interaction_id)]);
    expect(consumer.stats.duplicates).toBe(duplicatesBefore + 1);
    expect(await score(pair.tutorId)).toMatchObject({ score: 40.2, interactionCount: 1 });
    expect(await scoreChanges(pair.tutorId)).toEqual([
      {
        data: expect.objectContaining({
          user_id: pair.tutorId,
          previous_score: 40,
          score: 40.2,
          cause: "interaction",
          cause_id: event.data.interaction_id,
        }),
        metadata: expect.objectContaining({
          producer: "reputation",
          causation_id: event.event_id,
          correlation_id: event.metadata.correlation_id,
        }),
      },
    ]);
    expect(await scoreChanges(pair.studentId)).toEqual([]);
  });

  it("counts a completed session once however often it arrives", async () => {
    const pair = { tutorId: crypto.randomUUID(), studentId: crypto.randomUUID() };
    const event = sessionCompleted(pair);
    await deliver([event, event, sessionCompleted(pair, event.data.session_id)]);
    expect(await score(pair.tutorId)).toMatchObject({ score: 40.5, completedSessionCount: 1 });
    expect(await scoreChanges(pair.tutorId)).toEqual([
      {
        data: expect.objectContaining({ cause: "session", cause_id: event.data.session_id }),
        metadata: expect.objectContaining({ causation_id: event.event_id }),
      },
    ]);
    expect(await score(pair.studentId)).toMatchObject({ score: 40, completedSessionCount: 0 });
  });

  it("stops adding past the interaction cap: counted, but no score change is published", async () => {
    const pair = { tutorId: crypto.randomUUID(), studentId: crypto.randomUUID() };
    await deliver(Array.from({ length: 51 }, () => interactionCreated(pair)));
    expect(await score(pair.tutorId)).toMatchObject({ score: 50, interactionCount: 51 });
    const changes = await scoreChanges(pair.tutorId);
    expect(changes).toHaveLength(50);
    expect(changes.at(-1)?.data).toMatchObject({ previous_score: 49.8, score: 50 });
  });

  it("records what the producer already scored without scoring it again", async () => {
    const pair = { tutorId: crypto.randomUUID(), studentId: crypto.randomUUID() };
    const scored = { ...metadata(), effects_applied: ["reputation", "passport"] };
    const taught = { ...interactionCreated(pair), metadata: scored };
    const completed = { ...sessionCompleted(pair), metadata: scored };
    await deliver([taught, completed]);
    // the legacy runtime changed the score in its transaction; the sync brings it here
    expect(await score(pair.tutorId)).toMatchObject({ score: 40, updatedAt: null });
    expect(await scoreChanges(pair.tutorId)).toEqual([]);
    // but the inputs and the dedupe set know them: a replay under a new event id counts nothing
    const recorded = await service.db.execute(
      sql`select (select count(*)::int from taught_interactions where tutor_id = ${pair.tutorId}) as taught,
                 (select count(*)::int from completed_sessions where tutor_id = ${pair.tutorId}) as completed`,
    );
    expect(recorded.rows).toEqual([{ taught: 1, completed: 1 }]);
    await deliver([interactionCreated(pair, taught.data.interaction_id)]);
    expect(await scoreChanges(pair.tutorId)).toEqual([]);

    // an effect the producer left to reputation (only passport's listed) is applied here
    const other = { ...metadata(), effects_applied: ["passport"] };
    await deliver([{ ...interactionCreated(pair), metadata: other }]);
    expect(await score(pair.tutorId)).toMatchObject({
      interactionCount: 2,
      completedSessionCount: 1,
    });
    expect(await scoreChanges(pair.tutorId)).toHaveLength(1);
  });

  it("is ready when its database and Redis answer", async () => {
    const ready = await fetch(`${service.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready" });
  });

  it("refuses requests without a service token", async () => {
    const response = await fetch(
      `${service.baseUrl}/api/reputation/v1/scores/${crypto.randomUUID()}`,
    );
    expect(response.status).toBe(401);
  });
});
