import { describe, expect, it } from "vitest";
import { averageStars, NO_SCORE_INPUTS, scoreHundredths, scoreValue } from "./score-formula";

const score = (inputs: Partial<typeof NO_SCORE_INPUTS>) =>
  scoreValue(scoreHundredths({ ...NO_SCORE_INPUTS, ...inputs }));

describe("reputation score formula (docs/decisions/0005-reputation-score.md)", () => {
  it("gives the examples of the decision record", () => {
    expect(score({})).toBe(40);
    expect(score({ ratingCount: 1, starSum: 5 })).toBe(53.33);
    expect(score({ ratingCount: 1, starSum: 1 })).toBe(26.67);
    expect(score({ ratingCount: 2, starSum: 9 })).toBe(55);
    expect(score({ interactionCount: 3, completedSessionCount: 1 })).toBe(41.1);
    expect(
      score({ ratingCount: 50, starSum: 250, interactionCount: 60, completedSessionCount: 25 }),
    ).toBe(98.46);
  });

  it("leaves the starting score alone for a first 3-star rating", () => {
    expect(score({ ratingCount: 1, starSum: 3 })).toBe(40);
  });

  it("stays within 0–100 at the extremes", () => {
    const worst = { ratingCount: 10_000, starSum: 10_000 };
    const best = {
      ratingCount: 10_000,
      starSum: 50_000,
      interactionCount: 1e6,
      completedSessionCount: 1e6,
    };
    expect(score(worst)).toBeGreaterThanOrEqual(0);
    expect(score(best)).toBeLessThanOrEqual(100);
    expect(score(best)).toBeGreaterThan(99.9);
  });

  it("averages stars to two decimals, halves up, and null without ratings", () => {
    expect(averageStars({ ratingCount: 0, starSum: 0 })).toBeNull();
    expect(averageStars({ ratingCount: 3, starSum: 13 })).toBe(4.33);
    expect(averageStars({ ratingCount: 8, starSum: 37 })).toBe(4.63);
  });
});
