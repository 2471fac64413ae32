import { NonRetryableEventError } from "@/lib/events/event-errors";
import type { EventsTransaction } from "@/lib/events/events-database";
import {
  describeParseFailure,
  type EventParser,
  type TransportEvent,
} from "@/lib/events/transport-event";

/** What a handler gets beside its event: the transaction its effects must use, and the delivery. */
export interface HandlerContext {
  /** Commit happens after the handler returns, together with the inbox row; then the ack. */
  tx: EventsTransaction;
  group: string;
  stream: string;
  entryId: string;
  /** 1 on the first delivery. */
  deliveries: number;
}

/** A handler of one event type, as the consumer calls it. */
export interface EventHandler {
  readonly eventType: string;
  handle(event: TransportEvent, context: HandlerContext): Promise<void>;
}

/**
 * The handler base: checks the event against its contract with `parse` (a failure is
 * non-retryable: the event goes to the DLQ at once) and then runs `handle` with the typed event.
 * Throw `RetryableEventError`/`NonRetryableEventError` to choose; other errors are retried.
 */
export function defineEventHandler<T>(definition: {
  eventType: string;
  parse: EventParser<T>;
  handle: (event: NoInfer<T>, context: HandlerContext) => Promise<void>;
}): EventHandler {
  return {
    eventType: definition.eventType,
    async handle(event, context) {
      const parsed = definition.parse(event);
      if (!parsed.ok) {
        throw new NonRetryableEventError(
          `${definition.eventType} failed its schema: ${describeParseFailure(parsed.error)}`,
        );
      }
      await definition.handle(parsed.event, context);
    },
  };
}
