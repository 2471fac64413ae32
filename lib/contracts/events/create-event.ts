import type { z } from "zod";
import type { EventContract, EventOf } from "@/lib/contracts/events/define-event";
import { EventEnvelopeSchema, type EventMetadata } from "@/lib/contracts/events/envelope";

export type CreateEventInput<C extends EventContract> = {
  aggregateId: string;
  data: z.input<C["data"]>;
  metadata: EventMetadata;
  /** Defaults to a new UUID; give one to make a retried publish idempotent. */
  eventId?: string;
  /** Defaults to now. */
  occurredAt?: Date;
};

/**
 * Builds the envelope of an event of `contract`, validating it: a producer that builds a bad
 * event gets a ZodError at once instead of poisoning its consumers.
 */
export function createEvent<C extends EventContract>(
  contract: C,
  input: CreateEventInput<C>,
): EventOf<C> {
  const data = contract.data.parse(input.data);
  const envelope = EventEnvelopeSchema.parse({
    event_id: input.eventId ?? crypto.randomUUID(),
    event_type: contract.type,
    aggregate_id: input.aggregateId,
    aggregate_type: contract.aggregateType,
    event_version: contract.version,
    occurred_at: (input.occurredAt ?? new Date()).toISOString(),
    data,
    metadata: input.metadata,
  });
  return { ...envelope, data } as EventOf<C>;
}
