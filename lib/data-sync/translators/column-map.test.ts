import { describe, expect, it } from "vitest";
import type { SqlRow } from "@/lib/data-sync/sync-table";
import { DOMAIN_TRANSLATORS } from "./registry";

const sample: SqlRow = {
  id: "6f1c7d2e-1111-4a2b-9c3d-000000000001",
  user_id: "6f1c7d2e-1111-4a2b-9c3d-000000000002",
  tutor_id: "6f1c7d2e-1111-4a2b-9c3d-000000000003",
  student_id: "6f1c7d2e-1111-4a2b-9c3d-000000000004",
  roles: ["tutor"],
  created_at: "2026-12-01T10:00:00.000+00:00",
  occurred_at: "2026-12-01T09:00:00.000+00:00",
  completed_at: "2026-12-01T11:00:00.000+00:00",
  updated_at: "2026-12-01T12:00:00.000+00:00",
  score_hundredths: 4250,
};

describe("projection seeds copied in SQL", () => {
  const projections = Object.values(DOMAIN_TRANSLATORS).flatMap((t) => t.projections);

  it("find the plain column copies of every seed but a computed one", () => {
    const plain = projections.filter((p) => p.renames).map((p) => p.service.table);
    const computed = projections.filter((p) => !p.renames).map((p) => p.service.table);
    expect(plain.length).toBe(6);
    expect(computed).toEqual(["reputation_scores"]);
  });

  it("give the same row in SQL as the seed's own builder in Node", () => {
    for (const projection of projections) {
      if (!projection.renames) continue;
      const bySql = Object.fromEntries(
        projection.renames.map(([legacy, service]) => [service, sample[legacy]]),
      );
      expect(bySql, projection.service.table).toEqual(projection.build(sample));
    }
  });
});
