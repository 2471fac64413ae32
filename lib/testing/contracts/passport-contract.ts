import { describe, expect, it } from "vitest";
import type { UserRole } from "@/lib/contracts/identity";
import type { InteractionType } from "@/lib/contracts/learning";
import { PASSPORT_ROUTES, type PassportEntry } from "@/lib/contracts/passport";
import { callRoute } from "@/lib/http/call-route";
import { type ContractTarget, tokenFor } from "@/lib/testing/contract-target";

/** A user the target must know (whose passport it must open). */
export type PassportSeedUser = { id: string; roles: UserRole[] };

/** A learning interaction the target must learn of (as `learning.InteractionCreated`). */
export type PassportSeedInteraction = {
  id: string;
  type: InteractionType;
  content: string;
  durationSeconds: number;
  tutorId: string;
  studentId: string;
  occurredAt: string;
};

/**
 * How a target learns what the passport is built from. The passport service gets it from
 * `identity.UserRegistered` and `learning.InteractionCreated`: its test delivers those events to
 * its handlers; the legacy runtime's test goes through its identity and learning APIs. Both may
 * take effect asynchronously: the suite waits.
 */
export type PassportContractSeed = {
  ensureUsers: (users: readonly PassportSeedUser[]) => Promise<void>;
  recordInteraction: (interaction: PassportSeedInteraction) => Promise<void>;
};

const poll = { timeout: 10_000, interval: 100 };

/**
 * The passport contract (rules: docs/decisions/0006), run against whatever serves it (the
 * passport service or the legacy runtime): the same requests must get answers of the same shape
 * and meaning.
 */
export function passportContract(target: () => ContractTarget, seed: PassportContractSeed) {
  const call = async <R extends (typeof PASSPORT_ROUTES)[keyof typeof PASSPORT_ROUTES]>(
    route: R,
    request: Parameters<typeof callRoute<R>>[2],
  ) =>
    callRoute(target().baseUrl, route, request, {
      token: await tokenFor(target(), ["passport:read", "passport:write"]),
    });

  const passportOf = (userId: string) => call(PASSPORT_ROUTES.getPassport, { params: { userId } });

  /** Registers users and waits until each has a passport. */
  async function usersWithPassports(users: readonly PassportSeedUser[]) {
    await seed.ensureUsers(users);
    for (const user of users) {
      await expect.poll(async () => (await passportOf(user.id)).status, poll).toBe(200);
    }
  }

  /** The passport once it has `entryCount` entries. */
  async function passportWith(userId: string, entryCount: number) {
    await expect
      .poll(async () => {
        const passport = await passportOf(userId);
        return passport.kind === "success" ? passport.body.entryCount : -1;
      }, poll)
      .toBe(entryCount);
    const passport = await passportOf(userId);
    if (passport.kind !== "success") throw new Error(`no passport: ${JSON.stringify(passport)}`);
    return passport.body;
  }

  describe("passport contract", () => {
    it("opens a passport with a registration entry when a user registers", async () => {
      const userId = crypto.randomUUID();
      await usersWithPassports([{ id: userId, roles: ["student", "tutor"] }]);
      const passport = await passportWith(userId, 1);
      expect(passport).toMatchObject({ userId, entryCount: 1, totalLearningSeconds: 0 });
      expect(passport.recentEntries).toEqual([
        expect.objectContaining({
          userId,
          kind: "registration",
          title: "Registered on Keiko as student, tutor",
          description: null,
          issuerId: null,
        }),
      ]);
    });

    it("adds an interaction entry to the student's passport and counts its time", async () => {
      const tutorId = crypto.randomUUID();
      const studentId = crypto.randomUUID();
      await usersWithPassports([
        { id: tutorId, roles: ["tutor"] },
        { id: studentId, roles: ["student"] },
      ]);
      const interaction = {
        type: "lesson" as const,
        content: "fractions",
        durationSeconds: 1800,
        tutorId,
        studentId,
      };
      await seed.recordInteraction({
        ...interaction,
        id: crypto.randomUUID(),
        occurredAt: "2024-01-31T10:00:00.000Z",
      });
      const long = "x".repeat(300);
      await seed.recordInteraction({
        ...interaction,
        id: crypto.randomUUID(),
        type: "project",
        content: long,
        durationSeconds: 60,
        occurredAt: "2024-01-30T10:00:00.000Z",
      });
      const passport = await passportWith(studentId, 3);
      expect(passport.totalLearningSeconds).toBe(1860);
      const [, lesson, project] = passport.recentEntries;
      expect(lesson).toMatchObject({
        userId: studentId,
        kind: "interaction",
        title: "Lesson: fractions",
        description: "fractions",
        issuerId: null,
        occurredAt: "2024-01-31T10:00:00.000Z",
      });
      expect(project).toMatchObject({
        kind: "interaction",
        title: `Project: ${"x".repeat(190)}…`,
        description: long,
        occurredAt: "2024-01-30T10:00:00.000Z",
      });
      expect(project?.title).toHaveLength(200);
      // the tutor's passport is unchanged
      expect(await passportWith(tutorId, 1)).toMatchObject({ totalLearningSeconds: 0 });
    });

    it("adds credentials vouched by an institution, and refuses what it cannot add", async () => {
      const studentId = crypto.randomUUID();
      const institutionId = crypto.randomUUID();
      const tutorId = crypto.randomUUID();
      await usersWithPassports([
        { id: studentId, roles: ["student"] },
        { id: institutionId, roles: ["institution"] },
        { id: tutorId, roles: ["tutor"] },
      ]);
      const id = crypto.randomUUID();
      const body = {
        id,
        kind: "credential" as const,
        title: "BSc Mathematics",
        description: "First-class honours",
        issuerId: institutionId,
        occurredAt: "2025-06-30T00:00:00.000Z",
      };
      const params = { userId: studentId };
      const added = await call(PASSPORT_ROUTES.addEntry, { params, body });
      expect(added).toMatchObject({
        kind: "success",
        status: 201,
        body: { ...body, userId: studentId, sourceEventId: null },
      });
      const achievement = await call(PASSPORT_ROUTES.addEntry, {
        params,
        body: {
          kind: "achievement",
          title: "Ran a study group",
          occurredAt: "2025-01-15T00:00:00.000Z",
        },
      });
      expect(achievement).toMatchObject({
        kind: "success",
        body: { kind: "achievement", description: null, issuerId: null, sourceEventId: null },
      });
      const passport = await passportWith(studentId, 3);
      expect(passport.totalLearningSeconds).toBe(0);
      expect(passport.recentEntries.map((entry) => entry.kind)).toEqual([
        "registration",
        "credential",
        "achievement",
      ]);

      const again = await call(PASSPORT_ROUTES.addEntry, { params, body });
      expect(again).toMatchObject({
        kind: "error",
        status: 409,
        body: { error: { code: "conflict", details: { reason: "id_taken" } } },
      });
      for (const issuerId of [tutorId, crypto.randomUUID()]) {
        const refused = await call(PASSPORT_ROUTES.addEntry, {
          params,
          body: { ...body, id: undefined, issuerId },
        });
        expect(refused).toMatchObject({
          kind: "error",
          status: 422,
          body: { error: { code: "unprocessable", details: { reason: "issuer_not_institution" } } },
        });
      }
      const unknownUser = await call(PASSPORT_ROUTES.addEntry, {
        params: { userId: crypto.randomUUID() },
        body: { ...body, id: undefined },
      });
      expect(unknownUser).toMatchObject({ kind: "error", status: 404 });
      const fromEvents = await call(PASSPORT_ROUTES.addEntry, {
        params,
        body: { ...body, id: undefined, kind: "interaction" } as never,
      });
      expect(fromEvents).toMatchObject({
        kind: "error",
        status: 400,
        body: { error: { code: "bad_request" } },
      });
      expect((await passportWith(studentId, 3)).entryCount).toBe(3);
    });

    it("lists entries most recent first, by kind, page by page", async () => {
      const userId = crypto.randomUUID();
      await usersWithPassports([{ id: userId, roles: ["student"] }]);
      const created: string[] = [];
      for (const [index, occurredAt] of [
        "2024-03-01T00:00:00.000Z",
        "2024-05-01T00:00:00.000Z",
        "2024-04-01T00:00:00.000Z",
      ].entries()) {
        const added = await call(PASSPORT_ROUTES.addEntry, {
          params: { userId },
          body: { kind: "achievement", title: `Achievement ${index}`, occurredAt },
        });
        if (added.kind === "success") created.push(added.body.title);
      }
      expect(created).toHaveLength(3);
      const seen: PassportEntry[] = [];
      let cursor: string | undefined;
      do {
        const page = await call(PASSPORT_ROUTES.listEntries, {
          params: { userId },
          query: { kind: "achievement", limit: 2, cursor },
        });
        expect(page.kind).toBe("success");
        if (page.kind !== "success") return;
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items);
        cursor = page.body.nextCursor ?? undefined;
      } while (cursor);
      expect(seen.map((entry) => entry.title)).toEqual([
        "Achievement 1",
        "Achievement 2",
        "Achievement 0",
      ]);
      const all = await call(PASSPORT_ROUTES.listEntries, { params: { userId }, query: {} });
      expect(all.kind === "success" && all.body.items.map((entry) => entry.kind)).toEqual([
        "registration",
        "achievement",
        "achievement",
        "achievement",
      ]);
    });

    it("answers 404 for a user unknown to the passport", async () => {
      const userId = crypto.randomUUID();
      expect(await passportOf(userId)).toMatchObject({
        kind: "error",
        status: 404,
        body: { error: { code: "not_found" } },
      });
      const entries = await call(PASSPORT_ROUTES.listEntries, { params: { userId }, query: {} });
      expect(entries).toMatchObject({ kind: "error", status: 404 });
    });
  });
}
