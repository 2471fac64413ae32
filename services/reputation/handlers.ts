import type { EventMetadata } from "@/lib/contracts/events/envelope";
import { INTERACTION_CREATED_V1 } from "@/lib/contracts/learning";
import { SESSION_COMPLETED_V1 } from "@/lib/contracts/marketplace";
import { legacyAppliesEffect } from "@/lib/data-sync/placement";
import { defineContractHandler } from "@/lib/events/contract-handler";
import { recomputeScore } from "./scores";
import { recordCompletedSession, recordTaughtInteraction } from "./tutoring-activity";

/** Metadata of an event reputation publishes because it consumed `cause`: same trace, caused by it. */
function causedBy(cause: { event_id: string; metadata: EventMetadata }): EventMetadata {
  return {
    ...(cause.metadata.traceparent && { traceparent: cause.metadata.traceparent }),
    correlation_id: cause.metadata.correlation_id,
    causation_id: cause.event_id,
    producer: "reputation",
  };
}

/**
 * learning.InteractionCreated → the tutor taught one more interaction: always recorded (the
 * score's inputs and the dedupe set); the score is recomputed and published here unless legacy
 * owns reputation's effects for this event (`effects_applied` or `effects_on_legacy` lists
 * reputation: legacy is the score's one writer and the score arrives by the sync).
 */
export const interactionCreatedHandler = defineContractHandler(
  INTERACTION_CREATED_V1,
  async (event, { tx }) => {
    const row = await recordTaughtInteraction(tx, event.data);
    if (!row || legacyAppliesEffect(event.metadata, "reputation")) return;
    const cause = { kind: "interaction", id: row.interactionId } as const;
    await recomputeScore(tx, row.tutorId, cause, row.recordedAt, causedBy(event));
  },
);

/** marketplace.SessionCompleted → the tutor completed one more session; as interactions are. */
export const sessionCompletedHandler = defineContractHandler(
  SESSION_COMPLETED_V1,
  async (event, { tx }) => {
    const row = await recordCompletedSession(tx, event.data);
    if (!row || legacyAppliesEffect(event.metadata, "reputation")) return;
    const cause = { kind: "session", id: row.sessionId } as const;
    await recomputeScore(tx, row.tutorId, cause, row.recordedAt, causedBy(event));
  },
);

/** What the `reputation` consumer group reads and how it handles it. */
export const REPUTATION_CONSUMER = {
  group: "reputation",
  aggregateTypes: [INTERACTION_CREATED_V1.aggregateType, SESSION_COMPLETED_V1.aggregateType],
  handlers: [interactionCreatedHandler, sessionCompletedHandler],
} as const;
