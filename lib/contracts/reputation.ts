import { z } from "zod";
import { defineEvent } from "@/lib/contracts/events/define-event";
import { PageQuerySchema, pageOf } from "@/lib/contracts/pagination";
import { IdSchema, TimestampSchema, textSchema } from "@/lib/contracts/primitives";
import { defineRoute } from "@/lib/contracts/route";

/** One to five stars. */
export const StarsSchema = z
  .number({ error: "stars must be a number from 1 to 5" })
  .int("stars must be a whole number from 1 to 5")
  .min(1, "stars must be a whole number from 1 to 5")
  .max(5, "stars must be a whole number from 1 to 5");

/** A reputation score on a 0–100 scale. */
export const ScoreValueSchema = z.number().min(0).max(100);

/** One user's rating of another, optionally about a session or an interaction. */
export const RatingSchema = z.object({
  id: IdSchema,
  raterId: IdSchema,
  subjectId: IdSchema,
  stars: z.number().int().min(1).max(5),
  comment: z.string().nullable(),
  sessionId: IdSchema.nullable(),
  interactionId: IdSchema.nullable(),
  createdAt: TimestampSchema,
});
export type Rating = z.infer<typeof RatingSchema>;

export const CreateRatingBodySchema = z
  .strictObject({
    id: IdSchema.optional(),
    raterId: IdSchema,
    subjectId: IdSchema,
    stars: StarsSchema,
    comment: textSchema("comment", 2_000).optional(),
    sessionId: IdSchema.optional(),
    interactionId: IdSchema.optional(),
  })
  .refine((body) => body.raterId !== body.subjectId, {
    message: "a user cannot rate themselves",
    path: ["subjectId"],
  });
export type CreateRatingBody = z.infer<typeof CreateRatingBodySchema>;

/** A user's current score and what it was computed from. */
export const ReputationScoreSchema = z.object({
  userId: IdSchema,
  score: ScoreValueSchema,
  ratingCount: z.number().int().nonnegative(),
  averageStars: z.number().min(0).max(5).nullable(),
  interactionCount: z.number().int().nonnegative(),
  completedSessionCount: z.number().int().nonnegative(),
  updatedAt: TimestampSchema.nullable(),
});
export type ReputationScore = z.infer<typeof ReputationScoreSchema>;

export const ScoreParamsSchema = z.object({ userId: IdSchema });
export const ListRatingsQuerySchema = PageQuerySchema.extend({
  subjectId: IdSchema.optional(),
  raterId: IdSchema.optional(),
});

/** HTTP API of the reputation domain. */
export const REPUTATION_ROUTES = {
  createRating: defineRoute({
    domain: "reputation",
    method: "POST",
    path: "/api/reputation/v1/ratings",
    summary: "Rate a user; the subject's score is recomputed",
    body: CreateRatingBodySchema,
    status: 201,
    response: RatingSchema,
    permission: "reputation:write",
    volatileFields: ["id", "createdAt"],
  }),
  listRatings: defineRoute({
    domain: "reputation",
    method: "GET",
    path: "/api/reputation/v1/ratings",
    summary: "Ratings, oldest first, filtered by subject or rater",
    query: ListRatingsQuerySchema,
    status: 200,
    response: pageOf(RatingSchema),
    permission: "reputation:read",
    volatileFields: ["items.*.id", "items.*.createdAt", "nextCursor"],
  }),
  getScore: defineRoute({
    domain: "reputation",
    method: "GET",
    path: "/api/reputation/v1/scores/:userId",
    summary: "A user's score; a user nobody has rated yet has the starting score",
    params: ScoreParamsSchema,
    status: 200,
    response: ReputationScoreSchema,
    permission: "reputation:read",
    volatileFields: ["updatedAt"],
  }),
} as const;

export const SCORE_CHANGE_CAUSES = ["rating", "interaction", "session"] as const;

export const ScoreChangedDataSchema = z.object({
  user_id: IdSchema,
  previous_score: ScoreValueSchema,
  score: ScoreValueSchema,
  cause: z.enum(SCORE_CHANGE_CAUSES),
  /** The rating, interaction or session that caused the change. */
  cause_id: IdSchema,
  changed_at: TimestampSchema,
});
export type ScoreChangedData = z.infer<typeof ScoreChangedDataSchema>;

/** A user's reputation score changed; aggregate: the user's score. */
export const SCORE_CHANGED_V1 = defineEvent({
  type: "reputation.ScoreChanged",
  version: 1,
  aggregateType: "reputation_score",
  summary: "A user's reputation score was recomputed and changed",
  data: ScoreChangedDataSchema,
});
