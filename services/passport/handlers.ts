import type { EventMetadata } from "@/lib/contracts/events/envelope";
import { USER_REGISTERED_V1 } from "@/lib/contracts/identity";
import { INTERACTION_CREATED_V1 } from "@/lib/contracts/learning";
import { defineContractHandler } from "@/lib/events/contract-handler";
import { insertEntry } from "./entries";
import { interactionTitle, registrationTitle } from "./entry-titles";
import { openPassport } from "./passports";

/** Metadata of an event the passport publishes because it consumed `cause`. */
function causedBy(cause: { event_id: string; metadata: EventMetadata }): EventMetadata {
  const { traceparent, correlation_id } = cause.metadata;
  return {
    ...(traceparent && { traceparent }),
    correlation_id,
    causation_id: cause.event_id,
    producer: "passport",
  };
}

/** identity.UserRegistered opens the passport with a registration entry. */
export const userRegisteredHandler = defineContractHandler(
  USER_REGISTERED_V1,
  async (event, { tx }) => {
    const { user_id: userId, roles, registered_at } = event.data;
    await openPassport(tx, userId, roles);
    await insertEntry(
      tx,
      {
        id: crypto.randomUUID(),
        userId,
        kind: "registration",
        title: registrationTitle(roles),
        description: null,
        sourceEventId: event.event_id,
        sourceKey: `registration:${userId}`,
        occurredAt: new Date(registered_at),
      },
      causedBy(event),
    );
  },
);

/** learning.InteractionCreated adds an interaction entry to the student's passport. */
export const interactionCreatedHandler = defineContractHandler(
  INTERACTION_CREATED_V1,
  async (event, { tx }) => {
    const { data } = event;
    // The registration may still be on its way (another stream): open the passport without roles.
    await openPassport(tx, data.student_id);
    await insertEntry(
      tx,
      {
        id: crypto.randomUUID(),
        userId: data.student_id,
        kind: "interaction",
        title: interactionTitle(data.type, data.content),
        description: data.content,
        sourceEventId: event.event_id,
        sourceKey: `interaction:${data.interaction_id}`,
        durationSeconds: data.duration_seconds,
        occurredAt: new Date(data.occurred_at),
      },
      causedBy(event),
    );
  },
);

/** What the `passport` consumer group reads and how it handles it. */
export const PASSPORT_CONSUMER = {
  group: "passport",
  aggregateTypes: [USER_REGISTERED_V1.aggregateType, INTERACTION_CREATED_V1.aggregateType],
  handlers: [userRegisteredHandler, interactionCreatedHandler],
} as const;
