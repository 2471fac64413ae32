/** Field names of an entry on an event stream. */
export const ENTRY_FIELD = {
  eventId: "event_id",
  eventType: "event_type",
  payload: "payload",
  replayCount: "replay_count",
} as const;

/** Stream entry fields as a record; a repeated field keeps its last value, as XADD would not. */
export function fieldsToRecord(
  fields: readonly string[] | null | undefined,
): Record<string, string> {
  const record: Record<string, string> = {};
  if (!fields) return record;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    record[fields[i] as string] = fields[i + 1] as string;
  }
  return record;
}

/** Record → flat `[field, value, …]` list for XADD. */
export function recordToFields(record: Record<string, string>): string[] {
  const fields: string[] = [];
  for (const [name, value] of Object.entries(record)) fields.push(name, value);
  return fields;
}

/** The fields written for one event: its id and type beside the full envelope JSON. */
export function encodeEntry(eventId: string, eventType: string, payloadJson: string): string[] {
  return [
    ENTRY_FIELD.eventId,
    eventId,
    ENTRY_FIELD.eventType,
    eventType,
    ENTRY_FIELD.payload,
    payloadJson,
  ];
}

/** The envelope JSON of an entry, decoded; `error` says why an entry cannot be an event. */
export type DecodedEntry = { ok: true; raw: unknown } | { ok: false; error: string };

/** Decodes the `payload` field of a stream entry into a JSON value (not yet validated). */
export function decodeEntry(record: Record<string, string>): DecodedEntry {
  const payload = record[ENTRY_FIELD.payload];
  if (payload === undefined) return { ok: false, error: "invalid entry: no payload field" };
  try {
    return { ok: true, raw: JSON.parse(payload) };
  } catch (error) {
    return { ok: false, error: `invalid JSON in payload: ${(error as Error).message}` };
  }
}

/** How many times an entry was replayed from the dead-letter queue (0 for a first delivery). */
export function replayCountOf(record: Record<string, string>): number {
  const value = Number(record[ENTRY_FIELD.replayCount] ?? 0);
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}
