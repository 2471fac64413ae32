import { sql } from "drizzle-orm";
import type { EventsTransaction } from "@/lib/events/events-database";
import { type OutboxTable, outbox } from "@/lib/events/outbox-tables";
import { AggregateTypeSchema } from "@/lib/events/stream-keys";
import type { OutboxEvent } from "@/lib/events/transport-event";
import { producerTraceparent } from "@/lib/observability/event-tracing";

/** The event with the producer span's traceparent in its metadata, when tracing is on. */
function traced(event: OutboxEvent, traceparent: string | undefined): OutboxEvent {
  return traceparent ? { ...event, metadata: { ...event.metadata, traceparent } } : event;
}

function outboxRow(event: OutboxEvent) {
  // The aggregate type becomes a Redis key: refuse a bad one here, in the producer's transaction.
  AggregateTypeSchema.parse(event.aggregate_type);
  const occurredAt = new Date(event.occurred_at);
  if (Number.isNaN(occurredAt.getTime())) {
    throw new Error(`occurred_at is not a date-time: ${String(event.occurred_at)}`);
  }
  return {
    eventId: event.event_id,
    eventType: event.event_type,
    aggregateType: event.aggregate_type,
    aggregateId: event.aggregate_id,
    eventVersion: event.event_version,
    occurredAt,
    data: event.data,
    metadata: event.metadata,
  };
}

/**
 * Writes the event's outbox row in the caller's transaction: it is published if and only if the
 * transaction commits. Validate the envelope against its contract before calling.
 */
export async function publishInTransaction(
  tx: EventsTransaction,
  event: OutboxEvent,
  table: OutboxTable = outbox,
): Promise<void> {
  await tx.insert(table).values(outboxRow(traced(event, producerTraceparent([event]))));
}

/**
 * Like `publishInTransaction` for several events: one INSERT … SELECT FROM unnest(…) with one
 * array parameter per column (a multi-row VALUES costs a parameter per cell and is ~3× slower).
 */
export async function publishManyInTransaction(
  tx: EventsTransaction,
  events: readonly OutboxEvent[],
  table: OutboxTable = outbox,
): Promise<void> {
  if (events.length === 0) return;
  // one producer span for the batch: its consumers' spans all hang under it
  const traceparent = producerTraceparent(events);
  const rows = events.map((event) => outboxRow(traced(event, traceparent)));
  const column = <T>(pick: (row: (typeof rows)[number]) => T) => sql.param(rows.map(pick));
  await tx.execute(sql`insert into ${table}
    (event_id, event_type, aggregate_type, aggregate_id, event_version, occurred_at, data, metadata)
    select * from unnest(
      ${column((r) => r.eventId)}::text[], ${column((r) => r.eventType)}::text[],
      ${column((r) => r.aggregateType)}::text[], ${column((r) => r.aggregateId)}::text[],
      ${column((r) => r.eventVersion)}::int[], ${column((r) => r.occurredAt.toISOString())}::timestamptz[],
      ${column((r) => JSON.stringify(r.data ?? null))}::jsonb[], ${column((r) => JSON.stringify(r.metadata))}::jsonb[])`);
}
