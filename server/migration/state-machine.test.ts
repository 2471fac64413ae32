import { describe, expect, it } from "vitest";
import { MIGRATION_STATES, type MigrationState } from "@/lib/contracts/domains";
import { DomainError } from "@/server/errors";
import { nextStates, planTransition, weightFor } from "./state-machine";

const legal: Array<[MigrationState, MigrationState]> = [
  ["legacy", "shadow"],
  ["shadow", "canary"],
  ["canary", "canary"],
  ["canary", "migrated"],
];

const placementOf = (state: MigrationState) => ({
  state,
  weight: state === "canary" ? 10 : state === "migrated" ? 100 : 0,
});
const weightTo = (state: MigrationState) => (state === "canary" ? 25 : undefined);

describe("state machine", () => {
  for (const from of MIGRATION_STATES) {
    for (const to of MIGRATION_STATES) {
      const isLegal = legal.some(([a, b]) => a === from && b === to);
      it(`${from} → ${to} is ${isLegal ? "legal" : "illegal"}`, () => {
        const attempt = () => planTransition(placementOf(from), to, weightTo(to));
        if (isLegal) {
          expect(attempt()).toEqual({
            state: to,
            weight: to === "canary" ? 25 : to === "migrated" ? 100 : 0,
          });
        } else {
          expect(attempt).toThrowError(DomainError);
          expect(attempt).toThrowError(/illegal transition/);
        }
      });
    }
  }

  it("names the way forward in the refusal", () => {
    expect(() => planTransition(placementOf("legacy"), "canary", 10)).toThrowError(
      "illegal transition legacy → canary: from legacy a domain can move to shadow, or roll back to legacy",
    );
    expect(() => planTransition(placementOf("migrated"), "canary", 10)).toThrowError(
      /only way is a rollback/,
    );
  });

  it("needs a canary weight between 1 and 100", () => {
    for (const bad of [undefined, 0, 101, -5]) {
      expect(() => planTransition(placementOf("shadow"), "canary", bad)).toThrowError(
        /between 1 and 100/,
      );
    }
    expect(planTransition(placementOf("shadow"), "canary", 1)).toEqual({
      state: "canary",
      weight: 1,
    });
    expect(planTransition(placementOf("shadow"), "canary", 100)).toEqual({
      state: "canary",
      weight: 100,
    });
  });

  it("refuses a canary weight change that changes nothing", () => {
    expect(() => planTransition({ state: "canary", weight: 10 }, "canary", 10)).toThrowError(
      /already in canary/,
    );
  });

  it("refuses weights that contradict the state", () => {
    expect(() => weightFor("shadow", 5)).toThrowError(/must be 0/);
    expect(() => weightFor("migrated", 50)).toThrowError(/must be 100/);
    expect(weightFor("migrated", undefined)).toBe(100);
  });

  it("lists the forward states", () => {
    expect(nextStates("legacy")).toEqual(["shadow"]);
    expect(nextStates("migrated")).toEqual([]);
  });
});
