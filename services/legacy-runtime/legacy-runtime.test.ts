import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueServiceToken } from "@/lib/auth/issue-service-token";
import type { DomainName } from "@/lib/contracts/domains";
import { createEvent } from "@/lib/contracts/events/create-event";
import { GOVERNANCE_ROUTES } from "@/lib/contracts/governance";
import { IDENTITY_ROUTES, type UserRole } from "@/lib/contracts/identity";
import { INTERACTION_CREATED_V1, LEARNING_ROUTES } from "@/lib/contracts/learning";
import { MARKETPLACE_ROUTES } from "@/lib/contracts/marketplace";
import { PASSPORT_ROUTES } from "@/lib/contracts/passport";
import { REPUTATION_ROUTES } from "@/lib/contracts/reputation";
import type { RouteContract } from "@/lib/contracts/route";
import {
  derivedId,
  interactionSourceKey,
  registrationSourceKey,
} from "@/lib/data-sync/derived-ids";
import type { EffectPlacement } from "@/lib/data-sync/placement";
import { bearerHeader } from "@/lib/http/bearer-token";
import { type CallRouteResult, callRoute } from "@/lib/http/call-route";
import { type ContractTarget, testServiceKey, tokenFor } from "@/lib/testing/contract-target";
import { governanceContract } from "@/lib/testing/contracts/governance-contract";
import { identityContract } from "@/lib/testing/contracts/identity-contract";
import { learningContract } from "@/lib/testing/contracts/learning-contract";
import { marketplaceContract } from "@/lib/testing/contracts/marketplace-contract";
import { passportContract } from "@/lib/testing/contracts/passport-contract";
import { reputationContract } from "@/lib/testing/contracts/reputation-contract";
import { userRegisteredEvent } from "@/lib/testing/domain-events";
import { startServiceUnderTest } from "@/lib/testing/service-under-test";
import { buildLegacyRuntimeApp } from "./app";
import { addInteractionEntry, openPassport } from "./pallets/passport/entries";
import { addToScore } from "./pallets/reputation/scores";

/** Domains that left legacy and shadow, as the control database would say; none by default. */
const movedOn = new Set<DomainName>();
const placement: EffectPlacement = { legacyAppliesEffectsOf: (domain) => !movedOn.has(domain) };

let runtime: Awaited<ReturnType<typeof startServiceUnderTest>>;
beforeAll(async () => {
  runtime = await startServiceUnderTest("legacy", (deps) =>
    buildLegacyRuntimeApp({ ...deps, placement }),
  );
});
afterAll(() => runtime?.close());

const target = (): ContractTarget => ({ service: "legacy-runtime", baseUrl: runtime.baseUrl });

const ALL_PERMISSIONS = [
  "identity",
  "learning",
  "reputation",
  "passport",
  "governance",
  "marketplace",
].flatMap((domain) => [`${domain}:read`, `${domain}:write`]);

/** Calls a route of any domain on the runtime as the gateway would; fails the test on a non-2xx. */
async function call<R extends RouteContract>(
  route: R,
  request: Parameters<typeof callRoute<R>>[2],
): Promise<CallRouteResult<R>> {
  return callRoute(runtime.baseUrl, route, request, {
    token: await tokenFor(target(), ALL_PERMISSIONS),
  });
}

async function succeed<R extends RouteContract>(
  route: R,
  request: Parameters<typeof callRoute<R>>[2],
) {
  const result = await call(route, request);
  if (result.kind !== "success") throw new Error(`${route.path}: ${JSON.stringify(result)}`);
  return result.body;
}

const did = () => `did:key:z6Mk${crypto.randomUUID().replace(/-/g, "")}`;

/**
 * The contract suites' seed hooks, through the runtime's own identity API: a user registered
 * once stays, so a hook may name the same user again.
 */
async function ensureUsers(users: readonly { id: string; roles: UserRole[] }[]) {
  for (const user of users) {
    const registered = await call(IDENTITY_ROUTES.registerUser, {
      body: { id: user.id, did: did(), displayName: `User ${user.id}`, roles: user.roles },
    });
    if (registered.kind === "success") continue;
    await succeed(IDENTITY_ROUTES.getUser, { params: { userId: user.id } });
  }
}

async function registerTutoringPair(pair: { tutorId: string; studentId: string }) {
  await ensureUsers([
    { id: pair.tutorId, roles: ["tutor"] },
    { id: pair.studentId, roles: ["student"] },
  ]);
}

/** A session booked on a new offer of the tutor and completed: marketplace's whole path. */
async function completeSession(pair: { tutorId: string; studentId: string }) {
  await registerTutoringPair(pair);
  const offer = await succeed(MARKETPLACE_ROUTES.createOffer, {
    body: {
      tutorId: pair.tutorId,
      title: "Algebra coaching",
      subject: "mathematics",
      durationMinutes: 60,
      price: { amountMinor: 2500, currency: "EUR" },
    },
  });
  const booking = await succeed(MARKETPLACE_ROUTES.createBooking, {
    body: {
      offerId: offer.id,
      studentId: pair.studentId,
      scheduledAt: "2026-03-01T10:00:00.000Z",
    },
  });
  return succeed(MARKETPLACE_ROUTES.completeBooking, {
    params: { bookingId: booking.id },
    body: { durationSeconds: 3_600 },
  });
}

identityContract(target);
learningContract(target, { ensureUsers });
reputationContract(target, {
  recordInteraction: async (pair) => {
    await registerTutoringPair(pair);
    await succeed(LEARNING_ROUTES.createInteraction, {
      body: { type: "lesson", content: "taught", durationSeconds: 600, ...pair },
    });
  },
  completeSession: async (pair) => {
    await completeSession(pair);
  },
});
governanceContract(target, { ensureUsers });
marketplaceContract(target, { ensureUsers });
passportContract(target, {
  ensureUsers,
  recordInteraction: async (interaction) => {
    await succeed(LEARNING_ROUTES.createInteraction, { body: interaction });
  },
});

type OutboxRow = {
  event_id: string;
  event_type: string;
  aggregate_type: string;
  aggregate_id: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
};

/** The outbox rows written after `afterId`, oldest first. */
async function outboxSince(afterId: number): Promise<OutboxRow[]> {
  const rows = await runtime.db.execute<OutboxRow>(
    sql`select event_id, event_type, aggregate_type, aggregate_id, data, metadata
        from outbox where id > ${afterId} order by id`,
  );
  return rows.rows;
}

async function lastOutboxId(): Promise<number> {
  const rows = await runtime.db.execute<{ id: number | null }>(
    sql`select max(id)::int as id from outbox`,
  );
  return rows.rows[0]?.id ?? 0;
}

describe("legacy runtime: one transaction for every cross-domain effect", () => {
  it("makes an interaction's score change and passport entry visible at once, with their events", async () => {
    const pair = { tutorId: crypto.randomUUID(), studentId: crypto.randomUUID() };
    await registerTutoringPair(pair);
    const before = await lastOutboxId();
    const interaction = await succeed(LEARNING_ROUTES.createInteraction, {
      body: { type: "mentoring", content: "career paths", durationSeconds: 900, ...pair },
    });
    // no polling: the effects committed with the interaction
    expect(
      await succeed(REPUTATION_ROUTES.getScore, { params: { userId: pair.tutorId } }),
    ).toMatchObject({ score: 40.2, interactionCount: 1 });
    const passport = await succeed(PASSPORT_ROUTES.getPassport, {
      params: { userId: pair.studentId },
    });
    expect(passport).toMatchObject({ entryCount: 2, totalLearningSeconds: 900 });
    expect(passport.recentEntries[0]).toMatchObject({
      kind: "interaction",
      title: "Mentoring: career paths",
    });

    const events = await outboxSince(before);
    expect(events.map((e) => e.event_type)).toEqual([
      "learning.InteractionCreated",
      "reputation.ScoreChanged",
      "passport.EntryAdded",
    ]);
    const [created, scored, entry] = events as [OutboxRow, OutboxRow, OutboxRow];
    expect(created).toMatchObject({ aggregate_type: "interaction", aggregate_id: interaction.id });
    expect(scored).toMatchObject({
      aggregate_type: "reputation_score",
      aggregate_id: pair.tutorId,
      data: {
        user_id: pair.tutorId,
        previous_score: 40,
        score: 40.2,
        cause: "interaction",
        cause_id: interaction.id,
      },
    });
    expect(entry).toMatchObject({
      aggregate_type: "passport",
      aggregate_id: pair.studentId,
      data: { kind: "interaction", source_event_id: created.event_id },
    });
    expect(passport.recentEntries[0]?.sourceEventId).toBe(created.event_id);
    // one request, one correlation; the effects name the event that caused them
    for (const effect of [scored, entry]) {
      expect(effect.metadata).toMatchObject({
        producer: "legacy-runtime",
        correlation_id: created.metadata.correlation_id,
        causation_id: created.event_id,
      });
      expect(effect.metadata).not.toHaveProperty("effects_applied");
    }
    // the consumers learn that both effects are applied; the entry's id is derived from its source
    expect(created.metadata.effects_applied).toEqual(["reputation", "passport"]);
    expect(entry.data.entry_id).toBe(derivedId(interactionSourceKey(interaction.id)));
  });

  it("applies no effect of a domain past shadow, and says which ones it applied", async () => {
    const pair = { tutorId: crypto.randomUUID(), studentId: crypto.randomUUID() };
    movedOn.add("passport");
    try {
      let before = await lastOutboxId();
      await registerTutoringPair(pair);
      const registrations = await outboxSince(before);
      expect(registrations.map((e) => [e.event_type, e.metadata.effects_applied])).toEqual([
        ["identity.UserRegistered", []],
        ["identity.UserRegistered", []],
      ]);
      // the registration's entry is the passport service's to write now
      expect(
        await call(PASSPORT_ROUTES.getPassport, { params: { userId: pair.studentId } }),
      ).toMatchObject({ kind: "success", body: { entryCount: 0 } });

      before = await lastOutboxId();
      const interaction = await succeed(LEARNING_ROUTES.createInteraction, {
        body: { type: "lesson", content: "fractions", durationSeconds: 300, ...pair },
      });
      expect(
        (await outboxSince(before)).map((e) => [
          e.event_type,
          e.metadata.effects_applied,
          e.data.cause_id,
        ]),
      ).toEqual([
        ["learning.InteractionCreated", ["reputation"], undefined],
        ["reputation.ScoreChanged", undefined, interaction.id],
      ]);

      movedOn.add("reputation");
      before = await lastOutboxId();
      await succeed(LEARNING_ROUTES.createInteraction, {
        body: {
          id: crypto.randomUUID(),
          type: "lesson",
          content: "more",
          durationSeconds: 300,
          ...pair,
        },
      });
      await completeSession(pair);
      expect(
        (await outboxSince(before)).map((e) => [e.event_type, e.metadata.effects_applied]),
      ).toEqual([
        ["learning.InteractionCreated", []],
        ["marketplace.SessionCompleted", []],
      ]);
      // only the first interaction counted here; the rest is the services' to count
      expect(
        await succeed(REPUTATION_ROUTES.getScore, { params: { userId: pair.tutorId } }),
      ).toMatchObject({ interactionCount: 1, completedSessionCount: 0 });
    } finally {
      movedOn.clear();
    }
  });

  it("writes a derived entry once: a second computation of it converges on the same row", async () => {
    const pair = { tutorId: crypto.randomUUID(), studentId: crypto.randomUUID() };
    const interactionId = crypto.randomUUID();
    movedOn.add("passport");
    try {
      await registerTutoringPair(pair);
    } finally {
      movedOn.clear();
    }
    // the passport service computed both entries and the sync brought them here: same ids, keys
    const registrationKey = registrationSourceKey(pair.studentId);
    const interactionKey = interactionSourceKey(interactionId);
    for (const [kind, sourceKey] of [
      ["registration", registrationKey],
      ["interaction", interactionKey],
    ]) {
      await runtime.db.execute(
        sql`insert into passport_entries (id, user_id, kind, title, source_key, occurred_at)
            values (${derivedId(sourceKey as string)}, ${pair.studentId}, ${kind}, 'synced',
                    ${sourceKey}, now())`,
      );
    }
    // legacy computing them again (as it would after a rollback) writes and publishes nothing
    const before = await lastOutboxId();
    const metadata = { correlation_id: crypto.randomUUID(), producer: "legacy-runtime" };
    await runtime.db.transaction(async (tx) => {
      await openPassport(tx, userRegisteredEvent(pair.studentId, { metadata }));
      await addInteractionEntry(
        tx,
        createEvent(INTERACTION_CREATED_V1, {
          aggregateId: interactionId,
          data: {
            interaction_id: interactionId,
            type: "lesson",
            content: "twice",
            duration_seconds: 60,
            tutor_id: pair.tutorId,
            student_id: pair.studentId,
            occurred_at: new Date().toISOString(),
          },
          metadata,
        }),
      );
    });
    expect(await outboxSince(before)).toEqual([]);
    const entries = await runtime.db.execute<{ id: string; source_key: string; title: string }>(
      sql`select id, source_key, title from passport_entries
          where user_id = ${pair.studentId} order by source_key`,
    );
    expect(entries.rows).toEqual([
      { id: derivedId(interactionKey), source_key: interactionKey, title: "synced" },
      { id: derivedId(registrationKey), source_key: registrationKey, title: "synced" },
    ]);
  });

  it("rolls the interaction back with its effects when one pallet's effect fails", async () => {
    const pair = { tutorId: crypto.randomUUID(), studentId: crypto.randomUUID() };
    await registerTutoringPair(pair);
    const before = await lastOutboxId();
    // the passport pallet's write fails for this student only, after learning and reputation wrote
    await runtime.db.execute(
      sql.raw(`create function refuse_entry() returns trigger language plpgsql as $$
        begin raise exception 'passport storage is broken'; end $$;
        create trigger refuse_entry before insert on passport_entries for each row
        when (new.user_id = '${pair.studentId}') execute function refuse_entry();`),
    );
    try {
      const refused = await call(LEARNING_ROUTES.createInteraction, {
        body: { type: "lesson", content: "lost", durationSeconds: 60, ...pair },
      });
      expect(refused).toMatchObject({
        kind: "error",
        status: 500,
        body: { error: { code: "internal", message: "internal error" } },
      });
    } finally {
      await runtime.db.execute(
        sql.raw("drop trigger refuse_entry on passport_entries; drop function refuse_entry();"),
      );
    }
    const listed = await succeed(LEARNING_ROUTES.listInteractions, {
      query: { tutorId: pair.tutorId },
    });
    expect(listed.items).toEqual([]);
    expect(
      await succeed(REPUTATION_ROUTES.getScore, { params: { userId: pair.tutorId } }),
    ).toMatchObject({ score: 40, interactionCount: 0, updatedAt: null });
    expect(await outboxSince(before)).toEqual([]);
  });

  it("counts a completed session towards the tutor's score in the completion's transaction", async () => {
    const pair = { tutorId: crypto.randomUUID(), studentId: crypto.randomUUID() };
    const before = await lastOutboxId();
    const session = await completeSession(pair);
    expect(
      await succeed(REPUTATION_ROUTES.getScore, { params: { userId: pair.tutorId } }),
    ).toMatchObject({ score: 40.5, completedSessionCount: 1, interactionCount: 0 });
    expect(
      await succeed(MARKETPLACE_ROUTES.getSession, { params: { sessionId: session.id } }),
    ).toEqual(session);
    const events = (await outboxSince(before)).filter(
      (e) => !["identity.UserRegistered", "passport.EntryAdded"].includes(e.event_type),
    );
    expect(events).toEqual([
      expect.objectContaining({
        event_type: "marketplace.SessionCompleted",
        aggregate_id: session.id,
        data: expect.objectContaining({ session_id: session.id, tutor_id: pair.tutorId }),
      }),
      expect.objectContaining({
        event_type: "reputation.ScoreChanged",
        data: expect.objectContaining({ cause: "session", cause_id: session.id, score: 40.5 }),
      }),
    ]);
  });

  it("updates the counts but publishes nothing when a capped input leaves the score as it was", async () => {
    const tutorId = crypto.randomUUID();
    const at = new Date();
    const metadata = { correlation_id: "cap-test", producer: "legacy-runtime" };
    const cause = { cause: "interaction" as const, at, metadata };
    const first = await runtime.db.transaction((tx) =>
      addToScore(tx, tutorId, { interactionCount: 50 }, { ...cause, causeId: tutorId }),
    );
    expect(first?.data).toMatchObject({ previous_score: 40, score: 50 });
    const before = await lastOutboxId();
    const capped = await runtime.db.transaction((tx) =>
      addToScore(tx, tutorId, { interactionCount: 1 }, { ...cause, causeId: tutorId }),
    );
    expect(capped).toBeNull();
    expect(await outboxSince(before)).toEqual([]);
    expect(
      await succeed(REPUTATION_ROUTES.getScore, { params: { userId: tutorId } }),
    ).toMatchObject({ score: 50, interactionCount: 51 });
  });
});

describe("legacy runtime: the domain events of every change, in its outbox", () => {
  it("publishes each domain's events as the new services would, and nothing for refusals", async () => {
    const before = await lastOutboxId();
    const institution = await succeed(IDENTITY_ROUTES.registerUser, {
      body: { did: did(), displayName: "Open University", roles: ["institution"] },
    });
    const student = await succeed(IDENTITY_ROUTES.registerUser, {
      body: { did: did(), displayName: "Ada", roles: ["student"] },
    });
    const credential = await succeed(PASSPORT_ROUTES.addEntry, {
      params: { userId: student.id },
      body: {
        kind: "credential",
        title: "BSc Mathematics",
        issuerId: institution.id,
        occurredAt: "2025-06-30T00:00:00.000Z",
      },
    });
    const rating = await succeed(REPUTATION_ROUTES.createRating, {
      body: { raterId: student.id, subjectId: institution.id, stars: 5 },
    });
    const proposal = await succeed(GOVERNANCE_ROUTES.createProposal, {
      body: {
        title: "Open the library on Sundays",
        description: "More time to study",
        proposerId: student.id,
        votingStartsAt: new Date(Date.now() - 60_000).toISOString(),
        votingEndsAt: new Date(Date.now() + 1_500).toISOString(),
      },
    });
    await succeed(GOVERNANCE_ROUTES.castVote, {
      params: { proposalId: proposal.id },
      body: { voterId: institution.id, choice: "yes" },
    });
    // refused: a second vote and a second registration of a DID publish nothing
    expect(
      await call(GOVERNANCE_ROUTES.castVote, {
        params: { proposalId: proposal.id },
        body: { voterId: institution.id, choice: "no" },
      }),
    ).toMatchObject({ kind: "error", status: 409 });
    expect(
      await call(IDENTITY_ROUTES.registerUser, {
        body: { did: student.did, displayName: "Again", roles: ["student"] },
      }),
    ).toMatchObject({ kind: "error", status: 409 });
    const untilEnded = Date.parse(proposal.votingEndsAt) - Date.now() + 50;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, untilEnded)));
    const decided = await succeed(GOVERNANCE_ROUTES.decideProposal, {
      params: { proposalId: proposal.id },
    });
    expect(decided).toMatchObject({
      status: "decided",
      outcome: "accepted",
      tally: { yes: 1, no: 0, abstain: 0 },
    });
    // deciding again answers the same proposal and publishes nothing more
    expect(
      await succeed(GOVERNANCE_ROUTES.decideProposal, { params: { proposalId: proposal.id } }),
    ).toEqual(decided);

    const events = await outboxSince(before);
    expect(events.map((e) => [e.event_type, e.aggregate_id])).toEqual([
      ["identity.UserRegistered", institution.id],
      ["passport.EntryAdded", institution.id],
      ["identity.UserRegistered", student.id],
      ["passport.EntryAdded", student.id],
      ["passport.EntryAdded", student.id],
      ["reputation.ScoreChanged", institution.id],
      ["governance.ProposalDecided", proposal.id],
    ]);
    expect(events[4]?.data).toMatchObject({ entry_id: credential.id, kind: "credential" });
    expect(events[5]?.data).toMatchObject({ cause: "rating", cause_id: rating.id, score: 53.33 });
    expect(events[6]?.data).toMatchObject({
      outcome: "accepted",
      tally: { yes: 1, no: 0, abstain: 0 },
      voting_ended_at: proposal.votingEndsAt,
      decided_at: decided.decidedAt,
    });
    expect(events.every((e) => e.metadata.producer === "legacy-runtime")).toBe(true);
    // the registration entry names the event it was built from, as the passport service's would,
    // and has the same derived id
    expect(events[1]?.data).toMatchObject({
      entry_id: derivedId(registrationSourceKey(institution.id)),
      kind: "registration",
      title: "Registered on Keiko as institution",
      source_event_id: events[0]?.event_id,
    });
  });
});

describe("legacy runtime: the service kit", () => {
  it("refuses requests without a service token, or with one issued for another service", async () => {
    const anonymous = await fetch(`${runtime.baseUrl}/api/learning/v1/interactions`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({
      error: { code: "unauthorized", details: { reason: "missing" } },
    });
    const forIdentity = await issueServiceToken({
      key: testServiceKey,
      subject: "api-gateway",
      audience: "identity",
      serviceType: "gateway",
      permissions: ["identity:read"],
    });
    const wrongAudience = await fetch(`${runtime.baseUrl}/api/identity/v1/users`, {
      headers: { authorization: bearerHeader(forIdentity) },
    });
    expect(wrongAudience.status).toBe(401);
    expect(await wrongAudience.json()).toMatchObject({
      error: { details: { reason: "wrong_audience" } },
    });
    const readOnly = await callRoute(
      runtime.baseUrl,
      GOVERNANCE_ROUTES.createProposal,
      {
        body: {
          title: "t",
          description: "d",
          proposerId: crypto.randomUUID(),
          votingStartsAt: "2030-01-01T00:00:00Z",
          votingEndsAt: "2030-01-02T00:00:00Z",
        },
      },
      { token: await tokenFor(target(), ["governance:read"]) },
    );
    expect(readOnly).toMatchObject({ kind: "error", status: 403 });
  });

  it("is ready when its database and Redis answer, and serves health and metrics without a token", async () => {
    const ready = await fetch(`${runtime.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: "ready",
      checks: [
        { name: "postgres", ok: true },
        { name: "redis", ok: true },
      ],
    });
    expect(await (await fetch(`${runtime.baseUrl}/healthz`)).json()).toEqual({
      status: "ok",
      service: "legacy-runtime",
    });
    const metrics = await (await fetch(`${runtime.baseUrl}/metrics`)).text();
    expect(metrics).toContain('service="legacy-runtime"');
    expect(metrics).toMatch(/route="\/api\/learning\/v1\/interactions"/);
  });
});
