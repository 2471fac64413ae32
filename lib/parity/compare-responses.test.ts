import { describe, expect, it } from "vitest";
import { compareResponses, normalizeBody } from "@/lib/parity/compare-responses";

const volatile = ["id", "createdAt", "items.*.id", "items.*.createdAt", "nextCursor"];

describe("normalizeBody", () => {
  it("drops volatile fields and sorts object keys at every depth", () => {
    const body = {
      z: 1,
      id: "u-1",
      items: [{ title: "a", id: "i-1", createdAt: "2026-01-01T00:00:00Z", b: { y: 1, x: 2 } }],
      a: true,
    };
    const normalized = normalizeBody(body, volatile);
    expect(JSON.stringify(normalized)).toBe(
      '{"a":true,"items":[{"b":{"x":2,"y":1},"title":"a"}],"z":1}',
    );
    // The input is left untouched.
    expect(body.id).toBe("u-1");
  });
});

describe("compareResponses", () => {
  it("matches answers that differ only in volatile fields and key order", () => {
    const legacy = {
      status: 200,
      body: {
        items: [{ id: "l-1", createdAt: "2026-01-01T00:00:00Z", title: "Ada", roles: ["tutor"] }],
        nextCursor: "abc",
      },
    };
    const service = {
      status: 200,
      body: {
        nextCursor: "xyz",
        items: [{ roles: ["tutor"], title: "Ada", createdAt: "2026-05-05T10:00:00Z", id: "s-9" }],
      },
    };
    expect(compareResponses(legacy, service, volatile)).toEqual({
      match: true,
      diffs: [],
      truncated: false,
    });
  });

  it("reports a status difference", () => {
    const result = compareResponses(
      { status: 201, body: { ok: true } },
      { status: 500, body: { ok: true } },
      [],
    );
    expect(result).toEqual({
      match: false,
      diffs: [{ path: "status", kind: "changed", legacy: 201, service: 500 }],
      truncated: false,
    });
  });

  it("reports field differences with their paths", () => {
    const legacy = {
      status: 200,
      body: {
        id: "x",
        score: 4.5,
        items: [
          { id: "1", title: "same" },
          { id: "2", title: "Old title", tags: ["a", "b"] },
        ],
        onlyLegacy: 1,
        "odd key": "a",
      },
    };
    const service = {
      status: 200,
      body: {
        id: "y",
        score: "4.5",
        items: [
          { id: "9", title: "same" },
          { id: "8", title: "New title", tags: ["a"] },
          { id: "7", title: "extra" },
        ],
        onlyService: null,
        "odd key": "b",
      },
    };
    const result = compareResponses(legacy, service, volatile);
    expect(result.match).toBe(false);
    expect(result.diffs).toEqual([
      { path: "body.items[1].tags[1]", kind: "missing-in-service", legacy: "b" },
      { path: "body.items[1].title", kind: "changed", legacy: "Old title", service: "New title" },
      { path: "body.items[2]", kind: "missing-in-legacy", service: { title: "extra" } },
      { path: 'body["odd key"]', kind: "changed", legacy: "a", service: "b" },
      { path: "body.onlyLegacy", kind: "missing-in-service", legacy: 1 },
      { path: "body.onlyService", kind: "missing-in-legacy", service: null },
      { path: "body.score", kind: "changed", legacy: 4.5, service: "4.5" },
    ]);
  });

  it("compares non-object bodies and type changes as whole values", () => {
    expect(
      compareResponses({ status: 502, body: "Bad gateway" }, { status: 502, body: { a: 1 } }, [])
        .diffs,
    ).toEqual([{ path: "body", kind: "changed", legacy: "Bad gateway", service: { a: 1 } }]);
  });

  it("keeps at most maxDiffs diffs, says so, and cuts long values", () => {
    const many = (value: number) =>
      Object.fromEntries(
        Array.from({ length: 80 }, (_, i) => [`f${String(i).padStart(2, "0")}`, value]),
      );
    const result = compareResponses(
      { status: 200, body: many(1) },
      { status: 200, body: many(2) },
      [],
    );
    expect(result.match).toBe(false);
    expect(result.diffs).toHaveLength(50);
    expect(result.truncated).toBe(true);

    const long = "x".repeat(1_000);
    const cut = compareResponses(
      { status: 200, body: { text: long, nested: { big: long } } },
      { status: 200, body: { text: "short" } },
      [],
      { maxValueLength: 20 },
    );
    expect(cut.diffs).toEqual([
      { path: "body.nested", kind: "missing-in-service", legacy: `{"big":"xxxxxxxxxxxx…` },
      { path: "body.text", kind: "changed", legacy: `${"x".repeat(20)}…`, service: "short" },
    ]);
  });
});
