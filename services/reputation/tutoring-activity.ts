import type { InteractionCreatedData } from "@/lib/contracts/learning";
import type { SessionCompletedData } from "@/lib/contracts/marketplace";
import type { EventsTransaction } from "@/lib/events/events-database";
import { completedSessions, taughtInteractions } from "./schema";

/**
 * Records that a tutor taught an interaction: one of the inputs the tutor's score is counted
 * from, and the set that recognises it again. Returns the new row, or undefined if the
 * interaction was already recorded (the same event again, or a replay under a new event id).
 */
export async function recordTaughtInteraction(
  tx: EventsTransaction,
  interaction: InteractionCreatedData,
) {
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
  return row;
}

/**
 * Records that a tutor completed a session, as `recordTaughtInteraction` does an interaction;
 * undefined if the session was already recorded.
 */
export async function recordCompletedSession(tx: EventsTransaction, session: SessionCompletedData) {
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
  return row;
}
