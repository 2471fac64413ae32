import type { Redis } from "ioredis";
import type { EventConsumer } from "@/lib/events/event-consumer";
import { encodeEntry } from "@/lib/events/stream-entry";
import { eventStreamKey } from "@/lib/events/stream-keys";
import type { OutboxEvent } from "@/lib/events/transport-event";

/**
 * XADDs each event, in order, onto the stream of its aggregate type under `prefix`, encoded as
 * the outbox relay writes it; the events are not consumed.
 */
export async function appendToStreams(
  redis: Redis,
  prefix: string,
  events: readonly OutboxEvent[],
): Promise<void> {
  for (const event of events) {
    await redis.xadd(
      eventStreamKey(prefix, event.aggregate_type),
      "*",
      ...encodeEntry(event.event_id, event.event_type, JSON.stringify(event)),
    );
  }
}

/**
 * Puts events on their streams as the relay would, then polls `consumer` until a poll reads
 * nothing, so the consumer group has read (and handled or retried) them all before this returns.
 */
export async function deliverEvents(
  redis: Redis,
  prefix: string,
  consumer: Pick<EventConsumer, "pollOnce">,
  events: readonly OutboxEvent[],
): Promise<void> {
  await appendToStreams(redis, prefix, events);
  while ((await consumer.pollOnce()) > 0) {}
}
