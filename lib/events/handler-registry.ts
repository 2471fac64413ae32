import type { EventHandler } from "@/lib/events/event-handler";

/** Event type → handler, for one consumer group. */
export interface HandlerRegistry {
  get(eventType: string): EventHandler | undefined;
  eventTypes(): string[];
}

/** Builds a registry; two handlers for one event type is a programming error and throws. */
export function createHandlerRegistry(handlers: readonly EventHandler[]): HandlerRegistry {
  const byType = new Map<string, EventHandler>();
  for (const handler of handlers) {
    if (byType.has(handler.eventType)) {
      throw new Error(`two handlers for event type ${handler.eventType}`);
    }
    byType.set(handler.eventType, handler);
  }
  return {
    get: (eventType) => byType.get(eventType),
    eventTypes: () => [...byType.keys()].sort(),
  };
}
