/**
 * Event flows between the real services: identity, learning, reputation and passport run with
 * their own databases, the outbox relay moves their events to Redis Streams, and each consuming
 * service's consumer group reacts. Only HTTP and events connect them, as in production.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IDENTITY_ROUTES } from "@/lib/contracts/identity";
import { LEARNING_ROUTES } from "@/lib/contracts/learning";
import { PASSPORT_ROUTES } from "@/lib/contracts/passport";
import { REPUTATION_ROUTES } from "@/lib/contracts/reputation";
import { parseContractEnvelope } from "@/lib/events/contract-parsers";
import { createEventConsumer, type EventConsumer } from "@/lib/events/event-consumer";
import { createHandlerRegistry } from "@/lib/events/handler-registry";
import { startOutboxRelay } from "@/lib/events/outbox-relay";
import type { ConsumerDefinition } from "@/lib/events/run-consumer";
import { redisScope } from "@/lib/events/testing/redis-scope";
import { callRoute } from "@/lib/http/call-route";
import { tokenFor } from "@/lib/testing/contract-target";
import { startServiceUnderTest } from "@/lib/testing/service-under-test";
import { buildIdentityApp } from "@/services/identity/app";
import { buildLearningApp } from "@/services/learning/app";
import { LEARNING_CONSUMER } from "@/services/learning/handlers";
import { buildPassportApp } from "@/services/passport/app";
import { PASSPORT_CONSUMER } from "@/services/passport/handlers";
import { buildReputationApp } from "@/services/reputation/app";
import { REPUTATION_CONSUMER } from "@/services/reputation/handlers";

type Running = Awaited<ReturnType<typeof startServiceUnderTest>>;
const { client: redis, prefix } = redisScope();
const services: Record<string, Running> = {};
const stops: Array<() => Promise<void>> = [];

function consume(service: Running, definition: ConsumerDefinition): EventConsumer {
  const consumer = createEventConsumer({
    redis,
    db: service.db,
    prefix,
    group: definition.group,
    consumer: `${definition.group}-test`,
    aggregateTypes: definition.aggregateTypes,
    registry: createHandlerRegistry(definition.handlers),
    parseEnvelope: parseContractEnvelope,
    blockMs: 200,
  });
  consumer.start();
  stops.push(() => consumer.stop());
  return consumer;
}

beforeAll(async () => {
  services.identity = await startServiceUnderTest("identity", buildIdentityApp);
  services.learning = await startServiceUnderTest("learning", buildLearningApp);
  services.reputation = await startServiceUnderTest("reputation", buildReputationApp);
  services.passport = await startServiceUnderTest("passport", buildPassportApp);
  for (const service of Object.values(services)) {
    const relay = startOutboxRelay({ pool: service.pool, redis, prefix, idleDelayMs: 50 });
    stops.push(() => relay.stop());
  }
  consume(services.learning, LEARNING_CONSUMER);
  consume(services.reputation, REPUTATION_CONSUMER);
  consume(services.passport, PASSPORT_CONSUMER);
}, 120_000);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  for (const service of Object.values(services)) await service.close();
});

async function call<R extends Parameters<typeof callRoute>[1]>(
  service: string,
  route: R,
  request: Parameters<typeof callRoute<R>>[2],
) {
  const target = { service, baseUrl: (services[service] as Running).baseUrl };
  return callRoute(target.baseUrl, route, request, {
    token: await tokenFor(target, [`${service}:read`, `${service}:write`]),
  });
}

async function register(displayName: string, roles: Array<"student" | "tutor">) {
  const answer = await call("identity", IDENTITY_ROUTES.registerUser, {
    body: { did: `did:key:z6Mk${crypto.randomUUID().replace(/-/g, "")}`, displayName, roles },
  });
  if (answer.kind !== "success") throw new Error(`register failed: ${JSON.stringify(answer)}`);
  return answer.body.id;
}

describe("event flows between the real services", () => {
  it("register users, record an interaction: the reputation score and the passport follow", async () => {
    const tutor = await register("Tess Tutor", ["tutor"]);
    const student = await register("Sam Student", ["student"]);

    // passport opens both passports from identity.UserRegistered
    await expect
      .poll(
        async () =>
          (await call("passport", PASSPORT_ROUTES.getPassport, { params: { userId: student } }))
            .kind,
        {
          timeout: 15_000,
        },
      )
      .toBe("success");

    // learning knows both users only from identity's events: retry until it has heard of them
    let interaction:
      | Awaited<ReturnType<typeof call<typeof LEARNING_ROUTES.createInteraction>>>
      | undefined;
    await expect
      .poll(
        async () => {
          interaction = await call("learning", LEARNING_ROUTES.createInteraction, {
            body: {
              type: "lesson",
              content: "fractions",
              durationSeconds: 1_800,
              tutorId: tutor,
              studentId: student,
            },
          });
          return interaction.status;
        },
        { timeout: 15_000 },
      )
      .toBe(201);

    // reputation hears learning.InteractionCreated: the tutor's interaction count and score move
    await expect
      .poll(
        async () => {
          const score = await call("reputation", REPUTATION_ROUTES.getScore, {
            params: { userId: tutor },
          });
          return score.kind === "success" ? score.body.interactionCount : -1;
        },
        { timeout: 15_000 },
      )
      .toBe(1);
    const score = await call("reputation", REPUTATION_ROUTES.getScore, {
      params: { userId: tutor },
    });
    expect(score).toMatchObject({ kind: "success", body: { score: 40.2 } });

    // passport hears it too: the student's passport gains the lesson
    await expect
      .poll(
        async () => {
          const passport = await call("passport", PASSPORT_ROUTES.getPassport, {
            params: { userId: student },
          });
          return passport.kind === "success" ? passport.body.totalLearningSeconds : -1;
        },
        { timeout: 15_000 },
      )
      .toBe(1_800);
  });
});
