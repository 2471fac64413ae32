import { describe, expect, it } from "vitest";
import {
  averageStars,
  NO_COUNTS,
  STARTING_SCORE_HUNDREDTHS,
  scoreHundredths,
  scoreValue,
} from "./score-formula";

const score = (counts: Partial<typeof NO_COUNTS>) =>
  scoreValue(scoreHundredths({ ...NO_COUNTS, ...counts }));

describe("the reputation score formula (docs/decisions/0005)", () => {
  it("gives the decision's examples to the last digit", () => {
    expect(scoreValue(STARTING_SCORE_HUNDREDTHS)).toBe(40);
    expect(score({ ratingCount: 1, starSum: 5 })).toBe(53.33);
    expect(score({ ratingCount: 1, starSum: 1 })).toBe(26.67);
    expect(score({ ratingCount: 2, starSum: 9 })).toBe(55);
    expect(score({ interactionCount: 3, completedSessionCount: 1 })).toBe(41.1);
    expect(
      score({ ratingCount: 50, starSum: 250, interactionCount: 60, completedSessionCount: 25 }),
    ).toBe(98.46);
  });

  it("stays within 0–100", () => {
    expect(score({ ratingCount: 1000, starSum: 1000 })).toBeGreaterThanOrEqual(0);
    expect(
      score({ ratingCount: 1000, starSum: 5000, interactionCount: 99, completedSessionCount: 99 }),
    ).toBeLessThanOrEqual(100);
  });

  it("rounds the star average half up to 2 decimals", () => {
    expect(averageStars({ ratingCount: 0, starSum: 0 })).toBeNull();
    expect(averageStars({ ratingCount: 3, starSum: 13 })).toBe(4.33);
    expect(averageStars({ ratingCount: 3, starSum: 14 })).toBe(4.67);
    expect(averageStars({ ratingCount: 8, starSum: 33 })).toBe(4.13);
  });
});
