import { DatabaseError } from "pg";
import type { DomainName } from "@/lib/contracts/domains";
import type { EventMetadata } from "@/lib/contracts/events/envelope";
import { USER_REGISTERED_V1 } from "@/lib/contracts/identity";
import { INTERACTION_CREATED_V1 } from "@/lib/contracts/learning";
import { SESSION_COMPLETED_V1 } from "@/lib/contracts/marketplace";
import { effectLeftToLegacyConsumer } from "@/lib/data-sync/placement";
import { defineContractHandler } from "@/lib/events/contract-handler";
import { RetryableEventError } from "@/lib/events/event-errors";
import { addInteractionEntry, openPassport } from "./pallets/passport/entries";
import { addToScore } from "./pallets/reputation/scores";
import { causedBy, LEGACY_RUNTIME } from "./runtime";

/**
 * Whether legacy's effects consumer applies `domain`'s effect of an event: a new service took the
 * write and stamped `domain` as on legacy then (`effects_on_legacy`). The runtime's own events
 * carry their effects in their transaction (`effects_applied`) and are never applied twice.
 */
function legacyConsumerApplies(event: { metadata: EventMetadata }, domain: DomainName): boolean {
  return (
    event.metadata.producer !== LEGACY_RUNTIME && effectLeftToLegacyConsumer(event.metadata, domain)
  );
}

/**
 * `event` as the runtime's effects take it as their cause: what they publish is caused by it and
 * produced by the runtime (the producer of an event is the side that wrote it).
 */
function asCause<E extends { metadata: EventMetadata }>(event: E): E {
  return { ...event, metadata: { ...event.metadata, producer: LEGACY_RUNTIME } };
}

/**
 * Runs `write`; a row it references that the data sync has not brought to keiko_legacy yet (a
 * user registered on the identity service a moment ago) is a retry, not a dead letter.
 */
async function onceReferencesArrived(what: string, write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (error) {
    const cause = error instanceof DatabaseError ? error : (error as { cause?: unknown })?.cause;
    if (cause instanceof DatabaseError && cause.code === "23503") {
      throw new RetryableEventError(
        `${what}: a row it references has not reached keiko_legacy yet`,
      );
    }
    throw error;
  }
}

/** learning.InteractionCreated on the learning service → the tutor's score, the student's passport. */
export const interactionCreatedEffects = defineContractHandler(
  INTERACTION_CREATED_V1,
  async (event, { tx }) => {
    const { data } = event;
    if (legacyConsumerApplies(event, "reputation")) {
      await addToScore(
        tx,
        data.tutor_id,
        { interactionCount: 1 },
        {
          cause: "interaction",
          causeId: data.interaction_id,
          at: new Date(event.occurred_at),
          metadata: causedBy(asCause(event)),
        },
      );
    }
    if (legacyConsumerApplies(event, "passport")) {
      await onceReferencesArrived("the interaction's passport entry", () =>
        addInteractionEntry(tx, asCause(event)),
      );
    }
  },
);

/** marketplace.SessionCompleted on the marketplace service → the tutor's score. */
export const sessionCompletedEffects = defineContractHandler(
  SESSION_COMPLETED_V1,
  async (event, { tx }) => {
    if (!legacyConsumerApplies(event, "reputation")) return;
    await addToScore(
      tx,
      event.data.tutor_id,
      { completedSessionCount: 1 },
      {
        cause: "session",
        causeId: event.data.session_id,
        at: new Date(event.occurred_at),
        metadata: causedBy(asCause(event)),
      },
    );
  },
);

/** identity.UserRegistered on the identity service → the passport's registration entry. */
export const userRegisteredEffects = defineContractHandler(
  USER_REGISTERED_V1,
  async (event, { tx }) => {
    if (!legacyConsumerApplies(event, "passport")) return;
    await onceReferencesArrived("the registration's passport entry", () =>
      openPassport(tx, asCause(event)),
    );
  },
);

/**
 * What legacy's effects consumer (group `legacy-effects`) reads: the events of new services whose
 * effects legacy applies while the consuming domain is on legacy or shadow (decision 0011, "One
 * writer per domain's aggregates").
 */
export const LEGACY_EFFECTS_CONSUMER = {
  group: "legacy-effects",
  aggregateTypes: [
    USER_REGISTERED_V1.aggregateType,
    INTERACTION_CREATED_V1.aggregateType,
    SESSION_COMPLETED_V1.aggregateType,
  ],
  handlers: [interactionCreatedEffects, sessionCompletedEffects, userRegisteredEffects],
} as const;
