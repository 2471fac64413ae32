import { describe, expect, it } from "vitest";
import { z } from "zod";
import { describeIssues, formatIssues, formatPath } from "@/lib/contracts/format-issues";

describe("formatIssues", () => {
  it("writes paths the way a person reads them", () => {
    expect(formatPath(["roles", 0, "name"])).toBe("roles[0].name");
    expect(formatPath(["roles", 0], "body")).toBe("body.roles[0]");
    expect(formatPath([], "body")).toBe("body");
  });

  it("says 'is required' for a missing value and keeps other messages", () => {
    const result = z.object({ a: z.string(), b: z.number() }).safeParse({ b: "x" });
    expect(result.success).toBe(false);
    const issues = formatIssues(result.error?.issues ?? [], "body");
    expect(issues).toEqual([
      { path: "body.a", message: "is required" },
      { path: "body.b", message: "Invalid input: expected number, received string" },
    ]);
  });

  it("puts everything on one line and caps the count", () => {
    const issues = Array.from({ length: 7 }, (_, i) => ({ path: [`f${i}`], message: "bad" }));
    expect(describeIssues(issues)).toBe("f0: bad; f1: bad; f2: bad; f3: bad; f4: bad; and 2 more");
    expect(describeIssues([{ path: [], message: 'Unrecognized key: "x"' }])).toBe(
      'Unrecognized key: "x"',
    );
  });
});
