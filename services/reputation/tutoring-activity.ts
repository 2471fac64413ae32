import type { EventMetadata } from "@/lib/contracts/events/envelope";
import type { InteractionCreatedData } from "@/lib/contracts/learning";
import type { SessionCompletedData } from "@/lib/contracts/marketplace";
import type { EventsTransaction } from "@/lib/events/events-database";
import { completedSessions, taughtInteractions } from "./schema";
import { recomputeScore } from "./scores";

/**
 * Records that a tutor taught an interaction and recomputes the tutor's score. An interaction
 * already recorded (the same event again, or a replay under a new event id) changes nothing.
 */
export async function recordTaughtInteraction(
  tx: EventsTransaction,
  interaction: InteractionCreatedData,
  metadata: EventMetadata,
): Promise<void> {
  const [row] = await tx
    .insert(taughtInteractions)
    .values({
      interactionId: interaction.interaction_id,
      tutorId: interaction.tutor_id,
      studentId: interaction.student_id,
      occurredAt: new Date(interaction.occurred_at),
    })
    .onConflictDoNothing()
    .returning();
  if (!row) return;
  const cause = { kind: "interaction", id: row.interactionId } as const;
  await recomputeScore(tx, row.tutorId, cause, row.recordedAt, metadata);
}

/**
 * Records that a tutor completed a session and recomputes the tutor's score. A session already
 * recorded changes nothing.
 */
export async function recordCompletedSession(
  tx: EventsTransaction,
  session: SessionCompletedData,
  metadata: EventMetadata,
): Promise<void> {
  const [row] = await tx
    .insert(completedSessions)
    .values({
      sessionId: session.session_id,
      tutorId: session.tutor_id,
      studentId: session.student_id,
      completedAt: new Date(session.completed_at),
    })
    .onConflictDoNothing()
    .returning();
  if (!row) return;
  await recomputeScore(
    tx,
    row.tutorId,
    { kind: "session", id: row.sessionId },
    row.recordedAt,
    metadata,
  );
}
