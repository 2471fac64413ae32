import { describe, expect, it } from "vitest";
import { REPUTATION_ROUTES } from "@/lib/contracts/reputation";
import { callRoute } from "@/lib/http/call-route";
import { type ContractTarget, tokenFor } from "@/lib/testing/contract-target";

/** A tutor and a student; the hooks register them first where the target needs that. */
export type TutoringPair = { tutorId: string; studentId: string };

/**
 * How a target learns about tutoring, which reputation hears of through events: the service's
 * test delivers `learning.InteractionCreated` / `marketplace.SessionCompleted` to its handlers;
 * the legacy runtime's test records an interaction or completes a booked session through its own
 * learning and marketplace APIs. Each call is one new interaction or session. Effects may be
 * asynchronous: the suite waits for them.
 */
export type ReputationContractSeed = {
  recordInteraction: (pair: TutoringPair) => Promise<void>;
  completeSession: (pair: TutoringPair) => Promise<void>;
};

/**
 * The reputation contract, run against whatever serves it (the reputation service or the legacy
 * runtime): the same requests must get answers of the same shape and meaning, and the same
 * scores (docs/decisions/0005-reputation-score.md).
 */
export function reputationContract(target: () => ContractTarget, seed: ReputationContractSeed) {
  const call = async <R extends (typeof REPUTATION_ROUTES)[keyof typeof REPUTATION_ROUTES]>(
    route: R,
    request: Parameters<typeof callRoute<R>>[2],
  ) =>
    callRoute(target().baseUrl, route, request, {
      token: await tokenFor(target(), ["reputation:read", "reputation:write"]),
    });

  const rate = (subjectId: string, stars: number, raterId = crypto.randomUUID()) =>
    call(REPUTATION_ROUTES.createRating, { body: { raterId, subjectId, stars } });

  async function scoreOf(userId: string) {
    const answer = await call(REPUTATION_ROUTES.getScore, { params: { userId } });
    expect(answer.kind).toBe("success");
    if (answer.kind !== "success") throw new Error(`no score: ${JSON.stringify(answer)}`);
    return answer.body;
  }

  describe("reputation contract", () => {
    it("gives a user nobody has rated the starting score", async () => {
      const userId = crypto.randomUUID();
      expect(await scoreOf(userId)).toEqual({
        userId,
        score: 40,
        ratingCount: 0,
        averageStars: null,
        interactionCount: 0,
        completedSessionCount: 0,
        updatedAt: null,
      });
    });

    it("records a rating and recomputes the subject's score from all their ratings", async () => {
      const subjectId = crypto.randomUUID();
      const raterId = crypto.randomUUID();
      const sessionId = crypto.randomUUID();
      const body = { raterId, subjectId, stars: 5, comment: "Patient and clear", sessionId };
      const created = await call(REPUTATION_ROUTES.createRating, { body });
      expect(created).toMatchObject({
        kind: "success",
        status: 201,
        body: { ...body, interactionId: null },
      });
      expect(await scoreOf(subjectId)).toMatchObject({
        score: 53.33,
        ratingCount: 1,
        averageStars: 5,
        updatedAt: expect.any(String),
      });
      expect(await rate(subjectId, 4)).toMatchObject({ kind: "success" });
      expect(await scoreOf(subjectId)).toMatchObject({
        score: 55,
        ratingCount: 2,
        averageStars: 4.5,
      });
      // the rater's own score is not affected
      expect(await scoreOf(raterId)).toMatchObject({ score: 40, ratingCount: 0 });
    });

    it("rounds scores to hundredths, halves up", async () => {
      const subjectId = crypto.randomUUID();
      expect(await rate(subjectId, 1)).toMatchObject({ kind: "success" });
      expect(await scoreOf(subjectId)).toMatchObject({ score: 26.67, averageStars: 1 });
      expect(await rate(subjectId, 5)).toMatchObject({ kind: "success" });
      expect(await rate(subjectId, 5)).toMatchObject({ kind: "success" });
      // 11 stars from 3 ratings: 2000·(11 − 3 + 4)/5 = 4800; the mean 3.666… → 3.67
      expect(await scoreOf(subjectId)).toMatchObject({
        score: 48,
        ratingCount: 3,
        averageStars: 3.67,
      });
    });

    it("keeps a caller-chosen id and refuses it twice with 409", async () => {
      const id = crypto.randomUUID();
      const body = { id, raterId: crypto.randomUUID(), subjectId: crypto.randomUUID(), stars: 2 };
      expect(await call(REPUTATION_ROUTES.createRating, { body })).toMatchObject({
        kind: "success",
        body: { id, comment: null, sessionId: null, interactionId: null },
      });
      expect(await call(REPUTATION_ROUTES.createRating, { body })).toMatchObject({
        kind: "error",
        status: 409,
        body: { error: { code: "conflict" } },
      });
      expect(await scoreOf(body.subjectId)).toMatchObject({ ratingCount: 1 });
    });

    it("refuses rating oneself and stars outside 1–5 with 400", async () => {
      const userId = crypto.randomUUID();
      for (const body of [
        { raterId: userId, subjectId: userId, stars: 5 },
        { raterId: crypto.randomUUID(), subjectId: userId, stars: 6 },
        { raterId: crypto.randomUUID(), subjectId: userId, stars: 2.5 },
      ]) {
        expect(await call(REPUTATION_ROUTES.createRating, { body })).toMatchObject({
          kind: "error",
          status: 400,
          body: { error: { code: "bad_request" } },
        });
      }
      expect(await scoreOf(userId)).toMatchObject({ ratingCount: 0, updatedAt: null });
    });

    it("lists ratings by subject and by rater, oldest first, page by page", async () => {
      const subjectId = crypto.randomUUID();
      const raterId = crypto.randomUUID();
      const ids: string[] = [];
      for (const stars of [3, 4, 5]) {
        const created = await rate(subjectId, stars, raterId);
        if (created.kind === "success") ids.push(created.body.id);
      }
      expect(await rate(crypto.randomUUID(), 1, raterId)).toMatchObject({ kind: "success" });
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await call(REPUTATION_ROUTES.listRatings, {
          query: { subjectId, limit: 2, cursor },
        });
        expect(page.kind).toBe("success");
        if (page.kind !== "success") return;
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items.map((rating) => rating.id));
        cursor = page.body.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(ids);
      const byRater = await call(REPUTATION_ROUTES.listRatings, { query: { raterId } });
      expect(byRater).toMatchObject({ kind: "success", body: { nextCursor: null } });
      if (byRater.kind === "success") expect(byRater.body.items).toHaveLength(4);
    });

    it("raises a tutor's score for interactions taught and sessions completed, not the student's", async () => {
      const pair = { tutorId: crypto.randomUUID(), studentId: crypto.randomUUID() };
      expect(await rate(pair.tutorId, 1)).toMatchObject({ kind: "success" });
      await seed.recordInteraction(pair);
      await seed.recordInteraction(pair);
      await seed.completeSession(pair);
      // 2667 for one 1-star rating + 2 · 20 + 1 · 50 hundredths
      await expect
        .poll(() => scoreOf(pair.tutorId), { timeout: 10_000, interval: 100 })
        .toMatchObject({
          score: 27.57,
          ratingCount: 1,
          interactionCount: 2,
          completedSessionCount: 1,
        });
      expect(await scoreOf(pair.studentId)).toMatchObject({
        score: 40,
        interactionCount: 0,
        completedSessionCount: 0,
      });
    });
  });
}
