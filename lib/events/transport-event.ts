/**
 * The fields of an event envelope the transport itself reads. The full contract (and its zod
 * schema) lives in lib/contracts/events/envelope.ts; every envelope satisfies this shape.
 */
export interface TransportEvent {
  event_id: string;
  event_type: string;
  aggregate_type: string;
  aggregate_id: string;
  metadata?: { traceparent?: string | undefined } | undefined;
}

/** Why input failed its contract: a line of text, or an object with a message (and a reason). */
export type ParseFailure = string | { message: string; reason?: string };

/** The result of checking untrusted input against a contract. */
export type ParseResult<T> = { ok: true; event: T } | { ok: false; error: ParseFailure };

/** Checks a decoded JSON value against an event contract; injected by the caller. */
export type EventParser<T> = (raw: unknown) => ParseResult<T>;

/** One line for a parse failure, as stored with a dead letter. */
export function describeParseFailure(failure: ParseFailure): string {
  if (typeof failure === "string") return failure;
  return failure.reason ? `${failure.reason}: ${failure.message}` : failure.message;
}

/**
 * An event as written to the outbox: the envelope fields of DESIGN.md. `occurred_at` is ISO 8601
 * text (or a Date); `data` and `metadata` are stored as JSON.
 */
export interface OutboxEvent {
  event_id: string;
  event_type: string;
  aggregate_id: string;
  aggregate_type: string;
  event_version: number;
  occurred_at: string | Date;
  data: unknown;
  metadata: Record<string, unknown>;
}
