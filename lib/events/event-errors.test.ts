import { describe, expect, it } from "vitest";
import { describeError } from "./event-errors";

describe("describeError", () => {
  it("leads with the root cause of a wrapped error", () => {
    const root = new Error('relation "passports" does not exist');
    const wrapped = new Error("Failed query: insert into passports …", { cause: root });
    expect(describeError(wrapped)).toBe(
      'relation "passports" does not exist (in: Failed query: insert into passports …)',
    );
  });

  it("names a plain error and caps the length", () => {
    expect(describeError(new TypeError("bad"))).toBe("TypeError: bad");
    expect(describeError("x".repeat(5_000))).toHaveLength(2_000);
  });
});
