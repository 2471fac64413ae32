import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { z } from "zod";
import { createEvent } from "@/lib/contracts/events/create-event";
import type { EventContract, EventOf } from "@/lib/contracts/events/define-event";
import type { EventMetadata } from "@/lib/contracts/events/envelope";
import { withoutEffectsApplied } from "@/lib/data-sync/placement";
import { publishInTransaction } from "@/lib/events/publish";
import { outbox } from "./schema/outbox";

/** The runtime's one database, keiko_legacy: every pallet's tables live in it. */
export type LegacyDb = NodePgDatabase;
/** A transaction on it: a call and all its cross-pallet effects commit or roll back together. */
export type LegacyTx = Parameters<Parameters<LegacyDb["transaction"]>[0]>[0];

/** The name the runtime publishes under and its callers' tokens are issued for. */
export const LEGACY_RUNTIME = "legacy-runtime";

/**
 * Builds an event of `contract` and writes it to the outbox in `tx`: while a domain is on legacy
 * the monolith is its producer, with the same contracts as the new service.
 */
export async function emit<C extends EventContract>(
  tx: LegacyTx,
  contract: C,
  input: { aggregateId: string; data: z.input<C["data"]>; metadata: EventMetadata; at: Date },
): Promise<EventOf<C>> {
  const event = createEvent(contract, {
    aggregateId: input.aggregateId,
    data: input.data,
    metadata: input.metadata,
    occurredAt: input.at,
  });
  await publishInTransaction(tx, event, outbox);
  return event;
}

/**
 * Metadata of an effect of `cause` in another pallet: same correlation, caused by that event;
 * the cause's `effects_applied` stays with the cause.
 */
export function causedBy(cause: { event_id: string; metadata: EventMetadata }): EventMetadata {
  return { ...withoutEffectsApplied(cause.metadata), causation_id: cause.event_id };
}
