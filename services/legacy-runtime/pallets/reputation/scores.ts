import { eq } from "drizzle-orm";
import type { EventOf } from "@/lib/contracts/events/define-event";
import type { EventMetadata } from "@/lib/contracts/events/envelope";
import {
  type ReputationScore,
  type SCORE_CHANGE_CAUSES,
  SCORE_CHANGED_V1,
} from "@/lib/contracts/reputation";
import { emit, type LegacyDb, type LegacyTx } from "../../runtime";
import { reputationScores } from "../../schema/reputation";
import {
  averageStars,
  NO_COUNTS,
  type ScoreCounts,
  STARTING_SCORE_HUNDREDTHS,
  scoreHundredths,
  scoreValue,
} from "./score-formula";

/** What changed a score: a rating, an interaction taught or a session completed as tutor. */
export type ScoreInput = {
  cause: (typeof SCORE_CHANGE_CAUSES)[number];
  /** The rating id, interaction id or session id. */
  causeId: string;
  at: Date;
  metadata: EventMetadata;
};

type ScoreRow = typeof reputationScores.$inferSelect;

function toScore(userId: string, row: ScoreRow | undefined): ReputationScore {
  const counts = row ?? NO_COUNTS;
  return {
    userId,
    score: scoreValue(row?.scoreHundredths ?? STARTING_SCORE_HUNDREDTHS),
    ratingCount: counts.ratingCount,
    averageStars: averageStars(counts),
    interactionCount: counts.interactionCount,
    completedSessionCount: counts.completedSessionCount,
    updatedAt: row ? row.updatedAt.toISOString() : null,
  };
}

/**
 * Adds `delta` to a user's counts and recomputes the score in the caller's transaction, holding
 * the row's lock so concurrent inputs for the same user add up. Publishes
 * reputation.ScoreChanged only when the score moved; returns it then.
 */
export async function addToScore(
  tx: LegacyTx,
  userId: string,
  delta: Partial<ScoreCounts>,
  input: ScoreInput,
): Promise<EventOf<typeof SCORE_CHANGED_V1> | null> {
  await tx
    .insert(reputationScores)
    .values({ userId, scoreHundredths: STARTING_SCORE_HUNDREDTHS, updatedAt: input.at })
    .onConflictDoNothing();
  const [current] = await tx
    .select()
    .from(reputationScores)
    .where(eq(reputationScores.userId, userId))
    .for("update");
  if (!current) throw new Error(`the score row of ${userId} vanished inside its transaction`);
  const counts: ScoreCounts = {
    ratingCount: current.ratingCount + (delta.ratingCount ?? 0),
    starSum: current.starSum + (delta.starSum ?? 0),
    interactionCount: current.interactionCount + (delta.interactionCount ?? 0),
    completedSessionCount: current.completedSessionCount + (delta.completedSessionCount ?? 0),
  };
  const score = scoreHundredths(counts);
  await tx
    .update(reputationScores)
    .set({ ...counts, scoreHundredths: score, updatedAt: input.at })
    .where(eq(reputationScores.userId, userId));
  if (score === current.scoreHundredths) return null;
  return emit(tx, SCORE_CHANGED_V1, {
    aggregateId: userId,
    data: {
      user_id: userId,
      previous_score: scoreValue(current.scoreHundredths),
      score: scoreValue(score),
      cause: input.cause,
      cause_id: input.causeId,
      changed_at: input.at.toISOString(),
    },
    metadata: input.metadata,
    at: input.at,
  });
}

/** A user's score; a user nobody has rated and who taught nothing yet has the starting score. */
export async function getScore(db: LegacyDb, userId: string): Promise<ReputationScore> {
  const [row] = await db.select().from(reputationScores).where(eq(reputationScores.userId, userId));
  return toScore(userId, row);
}
