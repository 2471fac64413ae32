/** What a user's score is computed from (docs/decisions/0005-reputation-score.md). */
export type ScoreCounts = {
  ratingCount: number;
  starSum: number;
  interactionCount: number;
  completedSessionCount: number;
};

export const NO_COUNTS: ScoreCounts = {
  ratingCount: 0,
  starSum: 0,
  interactionCount: 0,
  completedSessionCount: 0,
};

/**
 * The score in integer hundredths (0–10 000): a star average damped by two phantom 3-star
 * ratings, plus capped tutoring activity. Integers only, so it matches the new service exactly.
 */
export function scoreHundredths(counts: ScoreCounts): number {
  const n = counts.ratingCount;
  const ratingPart = Math.floor((4000 * (counts.starSum - n + 4) + (n + 2)) / (2 * (n + 2)));
  const activityPart =
    20 * Math.min(counts.interactionCount, 50) + 50 * Math.min(counts.completedSessionCount, 20);
  return ratingPart + activityPart;
}

/** The starting score, in hundredths: nobody has rated the user, no activity (40). */
export const STARTING_SCORE_HUNDREDTHS = scoreHundredths(NO_COUNTS);

/** Hundredths as the 0–100 score of the API and the events. */
export function scoreValue(hundredths: number): number {
  return hundredths / 100;
}

/** S / n rounded half up to 2 decimals; null without ratings. */
export function averageStars(counts: Pick<ScoreCounts, "ratingCount" | "starSum">): number | null {
  const n = counts.ratingCount;
  if (n === 0) return null;
  return Math.floor((200 * counts.starSum + n) / (2 * n)) / 100;
}
