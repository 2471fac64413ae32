import { sql } from "drizzle-orm";
import type { ScoreChangedData } from "@/lib/contracts/reputation";
import type { EventsTransaction } from "@/lib/events/events-database";
import { reputationScores } from "./schema";

/**
 * Records a user's new score unless a later change is already recorded, so events that arrive
 * late or twice leave the latest score in place.
 */
export async function recordScore(tx: EventsTransaction, change: ScoreChangedData): Promise<void> {
  await tx
    .insert(reputationScores)
    .values({ userId: change.user_id, score: change.score, changedAt: new Date(change.changed_at) })
    .onConflictDoUpdate({
      target: reputationScores.userId,
      set: { score: sql`excluded.score`, changedAt: sql`excluded.changed_at` },
      setWhere: sql`excluded.changed_at >= ${reputationScores.changedAt}`,
    });
}
