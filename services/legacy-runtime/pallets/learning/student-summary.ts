import { count, eq, sum } from "drizzle-orm";
import {
  INTERACTION_TYPES,
  type InteractionType,
  type LearningSummary,
} from "@/lib/contracts/learning";
import type { LegacyDb } from "../../runtime";
import { interactions } from "../../schema/learning";

/**
 * A student's interactions and seconds, with the count of every type (zero included); a student
 * with no interactions, registered or not, has an all-zero summary.
 */
export async function getStudentSummary(db: LegacyDb, studentId: string): Promise<LearningSummary> {
  const rows = await db
    .select({
      type: interactions.type,
      count: count(),
      seconds: sum(interactions.durationSeconds).mapWith(Number),
    })
    .from(interactions)
    .where(eq(interactions.studentId, studentId))
    .groupBy(interactions.type);
  const byType = Object.fromEntries(INTERACTION_TYPES.map((type) => [type, 0])) as Record<
    InteractionType,
    number
  >;
  for (const row of rows) byType[row.type] = row.count;
  return {
    studentId,
    interactionCount: rows.reduce((total, row) => total + row.count, 0),
    totalDurationSeconds: rows.reduce((total, row) => total + row.seconds, 0),
    byType,
  };
}
