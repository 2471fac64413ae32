import { describe, expect, it } from "vitest";
import type { UserRole } from "@/lib/contracts/identity";
import { type CreateInteractionBody, LEARNING_ROUTES } from "@/lib/contracts/learning";
import { callRoute } from "@/lib/http/call-route";
import { type ContractTarget, tokenFor } from "@/lib/testing/contract-target";

/** A user the target must know before interactions may name it. */
export type SeedUser = { id: string; roles: UserRole[] };

/**
 * How a target comes to know users. Learning learns them from `identity.UserRegistered`: the
 * service's test delivers that event to its handler, the legacy runtime's test registers them
 * through its identity API. The users may become known asynchronously: the suite waits.
 */
export type LearningContractSeed = {
  ensureUsers: (users: readonly SeedUser[]) => Promise<void>;
};

/**
 * The learning contract, run against whatever serves it (the learning service or the legacy
 * runtime): the same requests must get answers of the same shape and meaning.
 */
export function learningContract(target: () => ContractTarget, seed: LearningContractSeed) {
  const call = async <R extends (typeof LEARNING_ROUTES)[keyof typeof LEARNING_ROUTES]>(
    route: R,
    request: Parameters<typeof callRoute<R>>[2],
  ) =>
    callRoute(target().baseUrl, route, request, {
      token: await tokenFor(target(), ["learning:read", "learning:write"]),
    });

  /** A tutor and a student the target knows. */
  async function pair() {
    const tutorId = crypto.randomUUID();
    const studentId = crypto.randomUUID();
    await seed.ensureUsers([
      { id: tutorId, roles: ["tutor"] },
      { id: studentId, roles: ["student"] },
    ]);
    return { tutorId, studentId };
  }

  /** Records an interaction, waiting while its users are still unknown (422) to the target. */
  async function record(body: CreateInteractionBody) {
    let result: Awaited<ReturnType<typeof call<typeof LEARNING_ROUTES.createInteraction>>>;
    await expect
      .poll(
        async () => {
          result = await call(LEARNING_ROUTES.createInteraction, { body });
          return result.status;
        },
        { timeout: 10_000, interval: 100 },
      )
      .not.toBe(422);
    // biome-ignore lint/style/noNonNullAssertion: set by the poll above, which ran at least once
    const created = result!;
    expect(created.kind).toBe("success");
    if (created.kind !== "success") throw new Error(`not recorded: ${JSON.stringify(created)}`);
    return created.body;
  }

  describe("learning contract", () => {
    it("records an interaction between known users and reads it back", async () => {
      const { tutorId, studentId } = await pair();
      const body = {
        type: "lesson" as const,
        content: "Fractions: adding unlike denominators",
        durationSeconds: 1_800,
        tutorId,
        studentId,
        occurredAt: "2026-01-31T12:00:00.000Z",
      };
      const created = await record(body);
      expect(created).toMatchObject(body);
      const byId = await call(LEARNING_ROUTES.getInteraction, {
        params: { interactionId: created.id },
      });
      expect(byId).toEqual({ kind: "success", status: 200, body: created });
    });

    it("keeps a caller-chosen id and refuses it twice with 409", async () => {
      const { tutorId, studentId } = await pair();
      const id = crypto.randomUUID();
      const body = {
        id,
        type: "exercise" as const,
        content: "x",
        durationSeconds: 60,
        tutorId,
        studentId,
      };
      expect(await record(body)).toMatchObject({ id });
      const again = await call(LEARNING_ROUTES.createInteraction, { body });
      expect(again).toMatchObject({
        kind: "error",
        status: 409,
        body: { error: { code: "conflict" } },
      });
    });

    it("refuses an unknown tutor or student with 422", async () => {
      const { tutorId, studentId } = await pair();
      await record({ type: "lesson", content: "known", durationSeconds: 60, tutorId, studentId });
      const stranger = crypto.randomUUID();
      for (const body of [
        {
          type: "lesson" as const,
          content: "?",
          durationSeconds: 60,
          tutorId: stranger,
          studentId,
        },
        {
          type: "lesson" as const,
          content: "?",
          durationSeconds: 60,
          tutorId,
          studentId: stranger,
        },
      ]) {
        const refused = await call(LEARNING_ROUTES.createInteraction, { body });
        expect(refused).toMatchObject({
          kind: "error",
          status: 422,
          body: { error: { code: "unprocessable" } },
        });
      }
      const listed = await call(LEARNING_ROUTES.listInteractions, { query: { tutorId: stranger } });
      expect(listed).toMatchObject({ kind: "success", body: { items: [], nextCursor: null } });
    });

    it("answers 404 for an unknown interaction and 400 for a bad body", async () => {
      const missing = await call(LEARNING_ROUTES.getInteraction, {
        params: { interactionId: crypto.randomUUID() },
      });
      expect(missing).toMatchObject({ kind: "error", status: 404 });
      const same = crypto.randomUUID();
      for (const body of [
        { type: "lesson", content: "x", durationSeconds: 60, tutorId: same, studentId: same },
        {
          type: "nap",
          content: "x",
          durationSeconds: 60,
          tutorId: same,
          studentId: crypto.randomUUID(),
        },
        {
          type: "lesson",
          content: " ",
          durationSeconds: 0,
          tutorId: same,
          studentId: crypto.randomUUID(),
        },
      ]) {
        const bad = await call(LEARNING_ROUTES.createInteraction, { body: body as never });
        expect(bad).toMatchObject({
          kind: "error",
          status: 400,
          body: { error: { code: "bad_request" } },
        });
      }
    });

    it("lists a tutor's interactions oldest first, page by page, and filters by type", async () => {
      const { tutorId, studentId } = await pair();
      const types = ["lesson", "mentoring", "project"] as const;
      const ids: string[] = [];
      for (const type of types) {
        ids.push(
          (await record({ type, content: type, durationSeconds: 120, tutorId, studentId })).id,
        );
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await call(LEARNING_ROUTES.listInteractions, {
          query: { tutorId, limit: 2, cursor },
        });
        expect(page.kind).toBe("success");
        if (page.kind !== "success") return;
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items.map((item) => item.id));
        cursor = page.body.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(ids);
      const mentoring = await call(LEARNING_ROUTES.listInteractions, {
        query: { studentId, type: "mentoring" },
      });
      expect(mentoring).toMatchObject({
        kind: "success",
        body: { items: [{ id: ids[1], type: "mentoring" }], nextCursor: null },
      });
    });

    it("sums up what a student learned, by type, and zero for a student without interactions", async () => {
      const { tutorId, studentId } = await pair();
      await record({ type: "lesson", content: "a", durationSeconds: 600, tutorId, studentId });
      await record({ type: "lesson", content: "b", durationSeconds: 900, tutorId, studentId });
      await record({ type: "assessment", content: "c", durationSeconds: 300, tutorId, studentId });
      const summary = await call(LEARNING_ROUTES.getStudentSummary, { params: { studentId } });
      expect(summary).toEqual({
        kind: "success",
        status: 200,
        body: {
          studentId,
          interactionCount: 3,
          totalDurationSeconds: 1_800,
          byType: { lesson: 2, exercise: 0, assessment: 1, mentoring: 0, project: 0 },
        },
      });
      // the tutor learned nothing here: a summary counts what a user learned as a student
      const tutor = await call(LEARNING_ROUTES.getStudentSummary, {
        params: { studentId: tutorId },
      });
      expect(tutor).toMatchObject({
        kind: "success",
        body: { studentId: tutorId, interactionCount: 0, totalDurationSeconds: 0 },
      });
    });
  });
}
