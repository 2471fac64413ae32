import { describe, expect, it } from "vitest";
import { dataAgeMs, freshnessLabel, humanAge } from "./wall-freshness";

describe("the wall's freshness line", () => {
  it("says live while updates or heartbeats keep coming, and stale with the age after", () => {
    expect(freshnessLabel(null)).toEqual({ stale: true, text: "waiting for the first update…" });
    expect(freshnessLabel(2_000)).toEqual({ stale: false, text: "live" });
    expect(freshnessLabel(14_000)).toEqual({ stale: true, text: "stale — last update 14 s ago" });
    expect(freshnessLabel(5 * 60_000).text).toBe("stale — last update 5 min ago");
  });

  it("counts the source's own age (a failing database) on top of the silence", () => {
    expect(dataAgeMs(10_000, 9_000, 0)).toBe(1_000);
    expect(dataAgeMs(10_000, 9_000, 12_000)).toBe(13_000);
    expect(freshnessLabel(dataAgeMs(10_000, 9_000, 12_000)).stale).toBe(true);
  });

  it("rounds ages the way a person reads them", () => {
    expect(humanAge(400)).toBe("0 s");
    expect(humanAge(89_000)).toBe("89 s");
    expect(humanAge(3 * 3600_000)).toBe("3 h");
    expect(humanAge(3 * 86_400_000)).toBe("3 d");
  });
});
