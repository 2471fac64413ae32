import { describe, expect, it } from "vitest";
import { trafficOnNewService } from "@/lib/contracts/domains";
import { migrationProgress } from "./progress";

describe("migration progress", () => {
  it("counts only canary weight and migrated domains as traffic on new services", () => {
    expect(trafficOnNewService({ state: "shadow", canaryWeight: 0 })).toBe(0);
    expect(trafficOnNewService({ state: "canary", canaryWeight: 25 })).toBe(25);
    expect(trafficOnNewService({ state: "migrated", canaryWeight: 100 })).toBe(100);
  });

  it("averages over all domains", () => {
    const progress = migrationProgress([
      { state: "migrated", canaryWeight: 100 },
      { state: "canary", canaryWeight: 10 },
      { state: "shadow", canaryWeight: 0 },
      { state: "legacy", canaryWeight: 0 },
      { state: "legacy", canaryWeight: 0 },
      { state: "legacy", canaryWeight: 0 },
    ]);
    expect(progress).toEqual({
      total: 6,
      migrated: 1,
      canary: 1,
      shadow: 1,
      legacy: 3,
      trafficOnNewServicePercent: 18.3,
    });
    expect(migrationProgress([]).trafficOnNewServicePercent).toBe(0);
  });
});
