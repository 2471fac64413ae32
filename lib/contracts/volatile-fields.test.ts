import { describe, expect, it } from "vitest";
import { omitVolatileFields } from "@/lib/contracts/volatile-fields";

describe("omitVolatileFields", () => {
  it("drops top-level, nested and per-item fields without touching the input", () => {
    const body = {
      id: "a",
      name: "x",
      items: [
        { id: "1", createdAt: "t1", title: "one" },
        { id: "2", createdAt: "t2", title: "two" },
      ],
      nextCursor: "c",
    };
    const stripped = omitVolatileFields(body, [
      "id",
      "items.*.id",
      "items.*.createdAt",
      "nextCursor",
    ]);
    expect(stripped).toEqual({ name: "x", items: [{ title: "one" }, { title: "two" }] });
    expect(body.items[0]?.id).toBe("1");
  });

  it("makes two answers that differ only in volatile fields equal", () => {
    const legacy = { id: "u1", did: "did:key:z1", createdAt: "2026-01-01T00:00:00Z" };
    const fresh = { id: "u2", did: "did:key:z1", createdAt: "2026-01-01T00:00:01Z" };
    const fields = ["id", "createdAt"];
    expect(omitVolatileFields(legacy, fields)).toEqual(omitVolatileFields(fresh, fields));
    expect(omitVolatileFields({ ...fresh, did: "did:key:z2" }, fields)).not.toEqual(
      omitVolatileFields(legacy, fields),
    );
  });

  it("matches object keys with * and ignores paths that are absent", () => {
    expect(
      omitVolatileFields({ byId: { a: { at: 1, v: 1 } } }, ["byId.*.at", "missing.x"]),
    ).toEqual({ byId: { a: { v: 1 } } });
    expect(omitVolatileFields(null, ["id"])).toBeNull();
  });
});
