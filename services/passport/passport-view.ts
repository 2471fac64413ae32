import { count, eq, sql } from "drizzle-orm";
import type { Passport } from "@/lib/contracts/passport";
import { entryOrder, toEntry } from "./entries";
import { type PassportDb, requirePassport } from "./passports";
import { passportEntries } from "./schema";

/** How many entries a passport shows; the rest through listEntries. */
export const RECENT_ENTRIES = 20;

/** Totals and the most recent entries, read from one snapshot. */
export async function getPassport(db: PassportDb, userId: string): Promise<Passport> {
  return db.transaction(
    async (tx) => {
      await requirePassport(tx, userId);
      const [totals] = await tx
        .select({
          entryCount: count(),
          totalLearningSeconds:
            sql<number>`coalesce(sum(${passportEntries.durationSeconds}) filter (where ${passportEntries.kind} = 'interaction'), 0)`.mapWith(
              Number,
            ),
        })
        .from(passportEntries)
        .where(eq(passportEntries.userId, userId));
      const recent = await tx
        .select()
        .from(passportEntries)
        .where(eq(passportEntries.userId, userId))
        .orderBy(...entryOrder)
        .limit(RECENT_ENTRIES);
      return {
        userId,
        entryCount: totals?.entryCount ?? 0,
        totalLearningSeconds: totals?.totalLearningSeconds ?? 0,
        recentEntries: recent.map(toEntry),
      };
    },
    { isolationLevel: "repeatable read", accessMode: "read only" },
  );
}
