import { describe, expect, it } from "vitest";
import { describeLabels, formatValue, toRows } from "./chart-data";

describe("chart data", () => {
  it("merges lines into one row per timestamp, in time order, gaps left empty", () => {
    const rows = toRows([
      {
        key: "legacy",
        label: "legacy",
        color: "#fff",
        points: [
          [20, 2],
          [10, 1],
        ],
      },
      {
        key: "service",
        label: "new",
        color: "#000",
        points: [
          [20, 5],
          [30, 6],
        ],
      },
    ]);
    expect(rows).toEqual([
      { t: 10, legacy: 1 },
      { t: 20, legacy: 2, service: 5 },
      { t: 30, service: 6 },
    ]);
  });

  it("reads values in each unit", () => {
    expect(formatValue("perSecond", 1.234)).toBe("1.23/s");
    expect(formatValue("ratio", 0.0512)).toBe("5.12 %");
    expect(formatValue("seconds", 0.0042)).toBe("4.2 ms");
    expect(formatValue("seconds", 0.25)).toBe("250 ms");
    expect(formatValue("seconds", 2.5)).toBe("2.50 s");
    expect(formatValue("count", 25_000)).toBe("25k");
    expect(formatValue("number", 0.123456)).toBe("0.123");
  });

  it("names a series by its own labels, not where it was scraped", () => {
    expect(describeLabels({ __name__: "x", job: "a", instance: "b", group: "learning" })).toBe(
      "group=learning",
    );
    expect(describeLabels({ job: "a" })).toBe("total");
  });
});
