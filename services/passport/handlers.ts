import type { EventMetadata } from "@/lib/contracts/events/envelope";
import { USER_REGISTERED_V1 } from "@/lib/contracts/identity";
import { INTERACTION_CREATED_V1 } from "@/lib/contracts/learning";
import {
  derivedId,
  interactionSourceKey,
  registrationSourceKey,
} from "@/lib/data-sync/derived-ids";
import { legacyAppliesEffect } from "@/lib/data-sync/placement";
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

/**
 * identity.UserRegistered opens the passport (the passports row with the roles, always) with a
 * registration entry, unless legacy writes that entry (`effects_applied` or `effects_on_legacy`
 * lists passport: the entry arrives by the sync, under the same derived id).
 */
export const userRegisteredHandler = defineContractHandler(
  USER_REGISTERED_V1,
  async (event, { tx }) => {
    const { user_id: userId, roles, registered_at } = event.data;
    await openPassport(tx, userId, roles);
    if (legacyAppliesEffect(event.metadata, "passport")) return;
    const sourceKey = registrationSourceKey(userId);
    await insertEntry(
      tx,
      {
        id: derivedId(sourceKey),
        userId,
        kind: "registration",
        title: registrationTitle(roles),
        description: null,
        sourceEventId: event.event_id,
        sourceKey,
        occurredAt: new Date(registered_at),
      },
      causedBy(event),
    );
  },
);

/**
 * learning.InteractionCreated adds an interaction entry to the student's passport, unless legacy
 * writes it (`effects_applied` or `effects_on_legacy` lists passport).
 */
export const interactionCreatedHandler = defineContractHandler(
  INTERACTION_CREATED_V1,
  async (event, { tx }) => {
    const { data } = event;
    // The registration may still be on its way (another stream): open the passport without roles.
    await openPassport(tx, data.student_id);
    if (legacyAppliesEffect(event.metadata, "passport")) return;
    const sourceKey = interactionSourceKey(data.interaction_id);
    await insertEntry(
      tx,
      {
        id: derivedId(sourceKey),
        userId: data.student_id,
        kind: "interaction",
        title: interactionTitle(data.type, data.content),
        description: data.content,
        sourceEventId: event.event_id,
        sourceKey,
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
