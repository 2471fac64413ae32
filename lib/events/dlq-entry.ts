import { DLQ_FIELD } from "@/lib/events/dead-letter";
import { idTime } from "@/lib/events/redis-replies";
import { ENTRY_FIELD, replayCountOf } from "@/lib/events/stream-entry";

/** One dead letter as the console shows it. */
export interface DeadLetterEntry {
  /** Its id in the dead-letter stream; also when it was dead-lettered. */
  id: string;
  deadLetteredAt: string;
  aggregateType: string;
  eventId: string | null;
  eventType: string | null;
  error: string;
  reason: string;
  group: string;
  consumer: string;
  deliveries: number;
  originalStream: string;
  originalId: string;
  /** How many times it was replayed before it came back here. */
  replayCount: number;
  /** The trace id of `metadata.traceparent`, when the payload has one. */
  traceId: string | null;
  /** The payload as it was on the stream (possibly not JSON). */
  payload: string | null;
  /** Fields of the original entry other than id, type and payload (a malformed entry's). */
  otherFields: Record<string, string>;
}

function traceIdOf(payload: string | undefined): string | null {
  if (payload === undefined) return null;
  try {
    const traceparent = (JSON.parse(payload) as { metadata?: { traceparent?: unknown } })?.metadata
      ?.traceparent;
    if (typeof traceparent !== "string") return null;
    return traceparent.split("-")[1] ?? null;
  } catch {
    return null;
  }
}

const KNOWN = new Set<string>([...Object.values(ENTRY_FIELD), ...Object.values(DLQ_FIELD)]);

/** Reads a dead-letter stream entry. */
export function toDeadLetterEntry(
  aggregateType: string,
  id: string,
  fields: Record<string, string>,
): DeadLetterEntry {
  const otherFields: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (!KNOWN.has(name)) otherFields[name] = value;
  }
  const payload = fields[ENTRY_FIELD.payload];
  return {
    id,
    deadLetteredAt: new Date(idTime(id)).toISOString(),
    aggregateType,
    eventId: fields[ENTRY_FIELD.eventId] ?? null,
    eventType: fields[ENTRY_FIELD.eventType] ?? null,
    error: fields[DLQ_FIELD.error] ?? "",
    reason: fields[DLQ_FIELD.reason] ?? "",
    group: fields[DLQ_FIELD.group] ?? "",
    consumer: fields[DLQ_FIELD.consumer] ?? "",
    deliveries: Number(fields[DLQ_FIELD.deliveries] ?? 0),
    originalStream: fields[DLQ_FIELD.stream] ?? "",
    originalId: fields[DLQ_FIELD.id] ?? "",
    replayCount: replayCountOf(fields),
    traceId: traceIdOf(payload),
    payload: payload ?? null,
    otherFields,
  };
}
