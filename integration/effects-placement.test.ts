/**
 * Events and effects, decided once by the producer (docs/decisions/0011-data-sync.md): the legacy
 * runtime applies a cross-domain effect in its transaction only while the consuming domain is on
 * legacy or shadow (read from a control database), says so in `effects_applied`, and the
 * reputation and passport consumers apply exactly the effects it left to them.
 */
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DomainName, MigrationState } from "@/lib/contracts/domains";
import { IDENTITY_ROUTES, type UserRole } from "@/lib/contracts/identity";
import { LEARNING_ROUTES } from "@/lib/contracts/learning";
import type { RouteContract } from "@/lib/contracts/route";
import {
  derivedId,
  interactionSourceKey,
  registrationSourceKey,
} from "@/lib/data-sync/derived-ids";
import { DomainPlacement } from "@/lib/data-sync/placement";
import { parseContractEnvelope } from "@/lib/events/contract-parsers";
import { createEventConsumer } from "@/lib/events/event-consumer";
import { createHandlerRegistry } from "@/lib/events/handler-registry";
import { startOutboxRelay } from "@/lib/events/outbox-relay";
import type { ConsumerDefinition } from "@/lib/events/run-consumer";
import { decodeEntry, fieldsToRecord } from "@/lib/events/stream-entry";
import { eventStreamKey } from "@/lib/events/stream-keys";
import { redisScope } from "@/lib/events/testing/redis-scope";
import { callRoute } from "@/lib/http/call-route";
import { tokenFor } from "@/lib/testing/contract-target";
import { startServiceUnderTest } from "@/lib/testing/service-under-test";
import { createTestDatabase } from "@/lib/testing/test-database";
import { seedDomains } from "@/server/migration/domain-catalog";
import { buildIdentityApp } from "@/services/identity/app";
import { buildLearningApp } from "@/services/learning/app";
import { LEARNING_CONSUMER } from "@/services/learning/handlers";
import { buildLegacyRuntimeApp } from "@/services/legacy-runtime/app";
import { LEGACY_EFFECTS_CONSUMER } from "@/services/legacy-runtime/effects";
import { buildPassportApp } from "@/services/passport/app";
import { PASSPORT_CONSUMER } from "@/services/passport/handlers";
import { buildReputationApp } from "@/services/reputation/app";
import { REPUTATION_CONSUMER } from "@/services/reputation/handlers";

type Running = Awaited<ReturnType<typeof startServiceUnderTest>>;
type StreamEvent = {
  event_id: string;
  event_type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
};

const { client: redis, prefix } = redisScope();
const stops: Array<() => Promise<void>> = [];
let control: Awaited<ReturnType<typeof createTestDatabase>>;
let controlPool: pg.Pool;
let placement: DomainPlacement;
let legacy: Running;
let identity: Running;
let learning: Running;
let reputation: Running;
let passport: Running;

function consume(service: Running, definition: ConsumerDefinition) {
  const consumer = createEventConsumer({
    redis,
    db: service.db,
    prefix,
    group: definition.group,
    consumer: `${definition.group}-test`,
    aggregateTypes: definition.aggregateTypes,
    registry: createHandlerRegistry(definition.handlers),
    parseEnvelope: parseContractEnvelope,
    blockMs: 50,
  });
  consumer.start();
  stops.push(() => consumer.stop());
}

beforeAll(async () => {
  control = await createTestDatabase("control");
  controlPool = new pg.Pool({ connectionString: control.url, max: 2 });
  await seedDomains(drizzle(controlPool));
  placement = new DomainPlacement({
    databaseUrl: control.url,
    reloadIntervalMs: 600_000,
    logger: { warn: () => {} },
  });
  await placement.start();
  [legacy, identity, learning, reputation, passport] = await Promise.all([
    startServiceUnderTest("legacy", (deps) => buildLegacyRuntimeApp({ ...deps, placement })),
    startServiceUnderTest("identity", buildIdentityApp),
    startServiceUnderTest("learning", buildLearningApp),
    startServiceUnderTest("reputation", buildReputationApp),
    startServiceUnderTest("passport", buildPassportApp),
  ]);
  for (const service of [legacy, identity, learning, reputation, passport]) {
    const relay = startOutboxRelay({ pool: service.pool, redis, prefix, idleDelayMs: 20 });
    stops.push(() => relay.stop());
  }
  consume(reputation, REPUTATION_CONSUMER);
  consume(passport, PASSPORT_CONSUMER);
  consume(learning, LEARNING_CONSUMER);
  consume(legacy, LEGACY_EFFECTS_CONSUMER);
}, 120_000);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await Promise.all(
    [legacy, identity, learning, reputation, passport].map((service) => service?.close()),
  );
  await placement?.close();
  await controlPool?.end();
  await control?.drop();
});

/** Moves domains as the control plane does: the rows and `keiko_routes`, in one transaction. */
async function place(states: Partial<Record<DomainName, MigrationState>>) {
  const weight = { legacy: 0, shadow: 0, canary: 50, migrated: 100 };
  const client = await controlPool.connect();
  try {
    await client.query("begin");
    for (const [domain, state] of Object.entries(states)) {
      await client.query("update domains set state = $2, canary_weight = $3 where name = $1", [
        domain,
        state,
        weight[state],
      ]);
      await client.query("select pg_notify('keiko_routes', $1)", [domain]);
    }
    await client.query("commit");
  } finally {
    client.release();
  }
  for (const [domain, state] of Object.entries(states)) {
    await expect.poll(() => placement.stateOf(domain as DomainName)).toBe(state);
  }
}

const ALL_PERMISSIONS = ["identity", "learning", "reputation", "passport"].flatMap((domain) => [
  `${domain}:read`,
  `${domain}:write`,
]);

async function succeed<R extends RouteContract>(
  service: Running,
  name: string,
  route: R,
  request: Parameters<typeof callRoute<R>>[2],
) {
  const token = await tokenFor({ service: name, baseUrl: service.baseUrl }, ALL_PERMISSIONS);
  const answer = await callRoute(service.baseUrl, route, request, { token });
  if (answer.kind !== "success") throw new Error(`${route.path}: ${JSON.stringify(answer)}`);
  return answer.body;
}

const onLegacy = <R extends RouteContract>(route: R, request: Parameters<typeof callRoute<R>>[2]) =>
  succeed(legacy, "legacy-runtime", route, request);

async function registerOn(service: Running, name: string, roles: UserRole[]) {
  const user = await succeed(service, name, IDENTITY_ROUTES.registerUser, {
    body: { did: `did:key:z6Mk${crypto.randomUUID().replace(/-/g, "")}`, displayName: "U", roles },
  });
  return user.id;
}

async function rows<T>(service: Running, text: string, values: unknown[] = []): Promise<T[]> {
  return (await service.pool.query(text, values)).rows as T[];
}

/** The id of the event `service` wrote for `aggregateId`, of `eventType`. */
async function eventIdOf(service: Running, eventType: string, aggregateId: string) {
  const [row] = await rows<{ event_id: string }>(
    service,
    "select event_id from outbox where event_type = $1 and aggregate_id = $2",
    [eventType, aggregateId],
  );
  if (!row) throw new Error(`no ${eventType} for ${aggregateId}`);
  return row.event_id;
}

/** Waits until each of `groups` has handled `eventId` and every outbox has gone to Redis. */
async function settled(eventId: string, groups: Running[]) {
  await expect
    .poll(
      async () => {
        for (const service of groups) {
          const seen = await rows(service, "select 1 from inbox where event_id = $1", [eventId]);
          if (seen.length === 0) return false;
        }
        for (const service of [legacy, identity, learning, reputation, passport]) {
          const unsent = await rows(service, "select 1 from outbox where sent_at is null limit 1");
          if (unsent.length > 0) return false;
        }
        return true;
      },
      { timeout: 15_000, interval: 50 },
    )
    .toBe(true);
}

/** Every event on the stream of `aggregateType` under this test's prefix. */
async function onStream(aggregateType: string): Promise<StreamEvent[]> {
  const entries = await redis.xrange(eventStreamKey(prefix, aggregateType), "-", "+");
  return entries.map(([, fields]) => {
    const decoded = decodeEntry(fieldsToRecord(fields));
    if (!decoded.ok) throw new Error(decoded.error);
    return decoded.raw as StreamEvent;
  });
}

const scoreChangesFor = async (interactionId: string) =>
  (await onStream("reputation_score")).filter(
    (e) => e.event_type === "reputation.ScoreChanged" && e.data.cause_id === interactionId,
  );

const entriesAddedFor = async (userId: string, kind: string) =>
  (await onStream("passport")).filter(
    (e) =>
      e.event_type === "passport.EntryAdded" && e.data.user_id === userId && e.data.kind === kind,
  );

async function interactionOnLegacy() {
  const tutor = await registerOn(legacy, "legacy-runtime", ["tutor"]);
  const student = await registerOn(legacy, "legacy-runtime", ["student"]);
  const interaction = await onLegacy(LEARNING_ROUTES.createInteraction, {
    body: {
      type: "lesson",
      content: "fractions",
      durationSeconds: 1_800,
      tutorId: tutor,
      studentId: student,
    },
  });
  const eventId = await eventIdOf(legacy, "learning.InteractionCreated", interaction.id);
  const [created] = await rows<{ metadata: Record<string, unknown> }>(
    legacy,
    "select metadata from outbox where event_id = $1",
    [eventId],
  );
  await settled(eventId, [reputation, passport]);
  return { tutor, student, interactionId: interaction.id, metadata: created?.metadata };
}

describe("cross-domain effects, decided once by the producer", () => {
  it("every domain on legacy: the runtime applies each effect once and the consumers skip it", async () => {
    await place({
      identity: "legacy",
      learning: "legacy",
      reputation: "legacy",
      passport: "legacy",
    });
    const { tutor, student, interactionId, metadata } = await interactionOnLegacy();
    expect(metadata?.effects_applied).toEqual(["reputation", "passport"]);

    const scored = await scoreChangesFor(interactionId);
    expect(scored.map((e) => [e.metadata.producer, e.data.score])).toEqual([
      ["legacy-runtime", 40.2],
    ]);
    const entries = await entriesAddedFor(student, "interaction");
    expect(entries.map((e) => [e.metadata.producer, e.data.entry_id])).toEqual([
      ["legacy-runtime", derivedId(interactionSourceKey(interactionId))],
    ]);
    expect(await entriesAddedFor(student, "registration")).toHaveLength(1);

    // the services kept their projections and dedupe sets, and computed no effect of their own
    expect(
      await rows(reputation, "select tutor_id from taught_interactions where interaction_id = $1", [
        interactionId,
      ]),
    ).toEqual([{ tutor_id: tutor }]);
    expect(await rows(reputation, "select 1 from scores where user_id = $1", [tutor])).toEqual([]);
    expect(await rows(reputation, "select 1 from outbox")).toEqual([]);
    expect(
      await rows(passport, "select roles from passports where user_id = $1", [student]),
    ).toEqual([{ roles: ["student"] }]);
    expect(
      await rows(passport, "select 1 from passport_entries where user_id = $1", [student]),
    ).toEqual([]);
    expect(await rows(passport, "select 1 from outbox where aggregate_id = $1", [student])).toEqual(
      [],
    );
  });

  it("reputation and passport on canary: the runtime applies neither, each consumer once", async () => {
    await place({ reputation: "canary", passport: "canary" });
    const { tutor, student, interactionId, metadata } = await interactionOnLegacy();
    expect(metadata?.effects_applied).toEqual([]);

    // the legacy runtime did not count the interaction nor write the entries
    expect(
      await rows(legacy, "select 1 from reputation_scores where user_id = $1", [tutor]),
    ).toEqual([]);
    expect(
      await rows(legacy, "select 1 from passport_entries where user_id = $1", [student]),
    ).toEqual([]);

    const scored = await scoreChangesFor(interactionId);
    expect(scored.map((e) => [e.metadata.producer, e.data.score])).toEqual([["reputation", 40.2]]);
    expect(
      await rows(
        reputation,
        "select score_hundredths, interaction_count from scores where user_id = $1",
        [tutor],
      ),
    ).toEqual([{ score_hundredths: 4020, interaction_count: 1 }]);

    const interactionKey = interactionSourceKey(interactionId);
    const registrationKey = registrationSourceKey(student);
    expect((await entriesAddedFor(student, "interaction")).map((e) => e.metadata.producer)).toEqual(
      ["passport"],
    );
    expect(
      (await entriesAddedFor(student, "registration")).map((e) => e.metadata.producer),
    ).toEqual(["passport"]);
    expect(
      await rows(
        passport,
        "select id, source_key from passport_entries where user_id = $1 order by kind",
        [student],
      ),
    ).toEqual([
      { id: derivedId(interactionKey), source_key: interactionKey },
      { id: derivedId(registrationKey), source_key: registrationKey },
    ]);
    await place({ reputation: "legacy", passport: "legacy" });
  });

  it("identity migrated, passport on legacy: the passport consumer opens the passport once", async () => {
    await place({ identity: "migrated", passport: "legacy" });
    const userId = await registerOn(identity, "identity", ["student", "tutor"]);
    await settled(await eventIdOf(identity, "identity.UserRegistered", userId), [passport]);

    expect(
      await rows(passport, "select roles from passports where user_id = $1", [userId]),
    ).toEqual([{ roles: ["student", "tutor"] }]);
    expect(
      await rows(passport, "select id, kind from passport_entries where user_id = $1", [userId]),
    ).toEqual([{ id: derivedId(registrationSourceKey(userId)), kind: "registration" }]);
    expect((await entriesAddedFor(userId, "registration")).map((e) => e.data.entry_id)).toEqual([
      derivedId(registrationSourceKey(userId)),
    ]);
    await place({ identity: "legacy" });
  });

  it("learning on its service, reputation and passport on legacy: legacy's effects consumer is their one writer", async () => {
    await place({ learning: "canary", reputation: "legacy", passport: "legacy" });
    const tutor = await registerOn(legacy, "legacy-runtime", ["tutor"]);
    const student = await registerOn(legacy, "legacy-runtime", ["student"]);
    for (const userId of [tutor, student]) {
      await settled(await eventIdOf(legacy, "identity.UserRegistered", userId), [learning]);
    }
    // the legacy side counts one interaction of the tutor's itself, as it always did
    const before = await onLegacy(LEARNING_ROUTES.createInteraction, {
      body: {
        type: "lesson",
        content: "a",
        durationSeconds: 60,
        tutorId: tutor,
        studentId: student,
      },
    });
    await settled(await eventIdOf(legacy, "learning.InteractionCreated", before.id), [reputation]);

    // the gateway calls the learning service and names the domains on legacy (a real gateway token)
    const token = await tokenFor(
      { service: "learning", baseUrl: learning.baseUrl },
      ALL_PERMISSIONS,
    );
    const answer = await fetch(`${learning.baseUrl}${LEARNING_ROUTES.createInteraction.path}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        "x-keiko-legacy-effects": "reputation,passport",
      },
      body: JSON.stringify({
        type: "lesson",
        content: "b",
        durationSeconds: 60,
        tutorId: tutor,
        studentId: student,
      }),
    });
    expect(answer.status).toBe(201);
    const { id: interactionId } = (await answer.json()) as { id: string };
    const eventId = await eventIdOf(learning, "learning.InteractionCreated", interactionId);
    const [created] = await rows<{ metadata: Record<string, unknown> }>(
      learning,
      "select metadata from outbox where event_id = $1",
      [eventId],
    );
    expect(created?.metadata.effects_on_legacy).toEqual(["reputation", "passport"]);
    await settled(eventId, [legacy, reputation, passport]);

    // one writer: legacy counted both interactions on one row and published each change once
    expect(
      await rows(legacy, "select interaction_count from reputation_scores where user_id = $1", [
        tutor,
      ]),
    ).toEqual([{ interaction_count: 2 }]);
    expect((await scoreChangesFor(interactionId)).map((e) => e.metadata.producer)).toEqual([
      "legacy-runtime",
    ]);
    expect(
      (await entriesAddedFor(student, "interaction"))
        .filter((e) => e.data.entry_id === derivedId(interactionSourceKey(interactionId)))
        .map((e) => e.metadata.producer),
    ).toEqual(["legacy-runtime"]);
    // the services recorded the fact for later, and wrote no score or entry of their own
    expect(
      await rows(reputation, "select 1 from taught_interactions where interaction_id = $1", [
        interactionId,
      ]),
    ).toHaveLength(1);
    expect(await rows(reputation, "select 1 from scores where user_id = $1", [tutor])).toEqual([]);
    expect(
      await rows(passport, "select 1 from passport_entries where user_id = $1", [student]),
    ).toEqual([]);
    await place({ learning: "legacy" });
  });
});
