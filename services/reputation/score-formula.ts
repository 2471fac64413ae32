/** What a user's score is computed from (docs/decisions/0005-reputation-score.md). */
export type ScoreInputs = {
  /** Ratings of the user. */
  ratingCount: number;
  /** The sum of their stars (1–5 each). */
  starSum: number;
  /** Distinct interactions the user taught (as tutor). */
  interactionCount: number;
  /** Distinct sessions the user completed as tutor. */
  completedSessionCount: number;
};

export const NO_SCORE_INPUTS: ScoreInputs = {
  ratingCount: 0,
  starSum: 0,
  interactionCount: 0,
  completedSessionCount: 0,
};

/** The cap on interactions taught that add to a score (0.2 points each, 10 at most). */
export const INTERACTION_CAP = 50;
/** The cap on completed sessions that add to a score (0.5 points each, 10 at most). */
export const SESSION_CAP = 20;

/** `round(numerator / denominator)`, halves up, in integers only (both non-negative). */
function divideRoundingHalfUp(numerator: number, denominator: number): number {
  return Math.floor((2 * numerator + denominator) / (2 * denominator));
}

/**
 * The reputation score in integer hundredths of a point, 0–10 000 (docs/decisions/0005):
 *
 *   ratingPart   = roundHalfUp(2000 · (S − n + 4) / (n + 2))            0 … 8000
 *   activityPart = 20 · min(i, 50) + 50 · min(c, 20)                    0 … 2000
 *
 * with n ratings summing S stars, i interactions taught and c sessions completed as tutor.
 * ratingPart is 80 · (b − 1) / 4 for b the star average damped by two phantom 3-star ratings, so
 * one early rating cannot swing a score to an extreme; nothing rated gives 4000 (a score of 40).
 * Integers only, so the legacy runtime's independent implementation agrees to the last digit.
 */
export function scoreHundredths(inputs: ScoreInputs): number {
  const n = inputs.ratingCount;
  const ratingPart = divideRoundingHalfUp(2000 * (inputs.starSum - n + 4), n + 2);
  const activityPart =
    20 * Math.min(inputs.interactionCount, INTERACTION_CAP) +
    50 * Math.min(inputs.completedSessionCount, SESSION_CAP);
  return ratingPart + activityPart;
}

/** The score on the API's 0–100 scale (at most two decimals). */
export function scoreValue(hundredths: number): number {
  return hundredths / 100;
}

/** The mean of the stars, halves up to two decimals; null when nobody rated the user. */
export function averageStars(inputs: Pick<ScoreInputs, "ratingCount" | "starSum">): number | null {
  if (inputs.ratingCount === 0) return null;
  return divideRoundingHalfUp(100 * inputs.starSum, inputs.ratingCount) / 100;
}
