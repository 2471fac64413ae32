import { z } from "zod";
import { DLQ_FIELD } from "@/lib/events/dead-letter";
import { ENTRY_FIELD } from "@/lib/events/stream-entry";

/** A stream id `ms-seq`. */
export const StreamIdSchema = z
  .string()
  .regex(/^\d{1,20}-\d{1,20}$/, "expected a stream id ms-seq");

const instant = z.union([z.iso.datetime({ offset: true }), z.number().int().min(0)]);

/**
 * Which dead letters an operator means. `since`/`until` (ISO text or epoch ms) bound when the
 * entry was dead-lettered, i.e. its id; the other fields are checked entry by entry.
 */
export const DeadLetterFilterSchema = z.object({
  eventType: z.string().min(1).max(200).optional(),
  /** Case-insensitive (ASCII) substring of the error. */
  errorContains: z.string().min(1).max(200).optional(),
  group: z.string().min(1).max(100).optional(),
  since: instant.optional(),
  until: instant.optional(),
});
export type DeadLetterFilter = z.infer<typeof DeadLetterFilterSchema>;

function epochMs(value: string | number): number {
  return typeof value === "number" ? value : Date.parse(value);
}

/** The id range `[start, end]` the filter's time bounds select (`-`/`+` when open). */
export function filterIdRange(filter: DeadLetterFilter): { start: string; end: string } {
  return {
    start: filter.since === undefined ? "-" : `${epochMs(filter.since)}-0`,
    end: filter.until === undefined ? "+" : `${epochMs(filter.until)}-18446744073709551615`,
  };
}

/** Lower-cases ASCII only, exactly as the Lua side (`string.lower`) does. */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** Whether a dead letter's fields pass the filter's per-entry conditions. */
export function matchesDeadLetterFilter(
  fields: Record<string, string>,
  filter: DeadLetterFilter,
): boolean {
  if (filter.eventType !== undefined && fields[ENTRY_FIELD.eventType] !== filter.eventType) {
    return false;
  }
  if (filter.group !== undefined && fields[DLQ_FIELD.group] !== filter.group) return false;
  if (filter.errorContains !== undefined) {
    const error = asciiLower(fields[DLQ_FIELD.error] ?? "");
    if (!error.includes(asciiLower(filter.errorContains))) return false;
  }
  return true;
}
