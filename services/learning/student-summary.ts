import { count, eq, sum } from "drizzle-orm";
import { INTERACTION_TYPES, type LearningSummary } from "@/lib/contracts/learning";
import type { LearningDb } from "./interactions";
import { interactions } from "./schema";

/**
 * How much a student has learned: interactions and seconds, with the count of every type (zero
 * included). A student with no interactions, known or not, has an all-zero summary.
 */
export async function getStudentSummary(
  db: LearningDb,
  studentId: string,
): Promise<LearningSummary> {
  const rows = await db
    .select({
      type: interactions.type,
      interactions: count(),
      seconds: sum(interactions.durationSeconds).mapWith(Number),
    })
    .from(interactions)
    .where(eq(interactions.studentId, studentId))
    .groupBy(interactions.type);
  const byType = Object.fromEntries(INTERACTION_TYPES.map((type) => [type, 0])) as Record<
    (typeof INTERACTION_TYPES)[number],
    number
  >;
  let totalDurationSeconds = 0;
  for (const row of rows) {
    byType[row.type] = row.interactions;
    totalDurationSeconds += row.seconds;
  }
  return {
    studentId,
    interactionCount: rows.reduce((total, row) => total + row.interactions, 0),
    totalDurationSeconds,
    byType,
  };
}
