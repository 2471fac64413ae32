import type { EventMetadata } from "@/lib/contracts/events/envelope";
import { INTERACTION_CREATED_V1 } from "@/lib/contracts/learning";
import { SESSION_COMPLETED_V1 } from "@/lib/contracts/marketplace";
import { defineContractHandler } from "@/lib/events/contract-handler";
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

/** learning.InteractionCreated → the tutor taught one more interaction. */
export const interactionCreatedHandler = defineContractHandler(
  INTERACTION_CREATED_V1,
  (event, { tx }) => recordTaughtInteraction(tx, event.data, causedBy(event)),
);

/** marketplace.SessionCompleted → the tutor completed one more session. */
export const sessionCompletedHandler = defineContractHandler(
  SESSION_COMPLETED_V1,
  (event, { tx }) => recordCompletedSession(tx, event.data, causedBy(event)),
);

/** What the `reputation` consumer group reads and how it handles it. */
export const REPUTATION_CONSUMER = {
  group: "reputation",
  aggregateTypes: [INTERACTION_CREATED_V1.aggregateType, SESSION_COMPLETED_V1.aggregateType],
  handlers: [interactionCreatedHandler, sessionCompletedHandler],
} as const;
