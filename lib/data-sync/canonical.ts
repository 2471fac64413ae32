import type { SqlRow } from "@/lib/data-sync/sync-table";

/** A JSON value in canonical form: sorted keys, no null members, timestamps as UTC ISO. */
export type CanonicalValue =
  | null
  | boolean
  | number
  | string
  | CanonicalValue[]
  | { [column: string]: CanonicalValue };

// An instant with a zone: what to_jsonb gives for timestamptz under any TimeZone setting
// (`+05:30`, `-02:30`, the odd `+00:09:21` of historical zones), plus JavaScript's `Z`.
const ZONED_TIMESTAMP =
  /^(\d{4,})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)$/;

function offsetSeconds(zone: string): number {
  if (zone === "Z") return 0;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replaceAll(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4) || "0");
  const seconds = Number(digits.slice(4, 6) || "0");
  return sign * (hours * 3600 + minutes * 60 + seconds);
}

/**
 * The instant `text` names, as UTC ISO 8601 with milliseconds (`2026-12-01T18:09:36.544Z`), or
 * undefined when `text` is not a timestamp with a zone. Digits below the millisecond are kept
 * when not zero, so two instants that differ only there never compare equal.
 */
export function canonicalTimestamp(text: string): string | undefined {
  // Most strings are ids, names and content: a look at two characters rules them out cheaply.
  if (text.length < 20 || text.charCodeAt(4) !== 45 || text.charCodeAt(13) !== 58) return undefined;
  // PostgreSQL's own UTC form with milliseconds (`…:36.544+00:00`) is the common case.
  if (text.length === 29 && text.endsWith("+00:00") && text[10] === "T" && text[19] === ".") {
    return `${text.slice(0, 23)}Z`;
  }
  const match = ZONED_TIMESTAMP.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction = "", zone = "Z"] = match;
  const instant = new Date(0);
  instant.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  instant.setUTCHours(
    Number(hour),
    Number(minute),
    Number(second),
    Number(fraction.padEnd(3, "0").slice(0, 3)),
  );
  const utcMillis = instant.getTime() - offsetSeconds(zone) * 1000;
  if (Number.isNaN(utcMillis)) return undefined;
  const iso = new Date(utcMillis).toISOString();
  const belowMillis = fraction.slice(3).replace(/0+$/, "");
  return belowMillis ? `${iso.slice(0, -1)}${belowMillis}Z` : iso;
}

function canonicalValue(value: unknown): CanonicalValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string") return canonicalTimestamp(value) ?? value;
  // `-0` and `0` are one number; JSON has no NaN or infinities, so they cannot occur here.
  if (typeof value === "number") return value === 0 ? 0 : value;
  if (typeof value === "boolean") return value;
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => canonicalValue(item) ?? null);
  if (typeof value === "object") return canonicalObject(value as Record<string, unknown>);
  throw new TypeError(`a row holds JSON values only, not a ${typeof value}`);
}

function canonicalObject(object: Record<string, unknown>): { [column: string]: CanonicalValue } {
  const result: { [column: string]: CanonicalValue } = {};
  for (const key of Object.keys(object).sort()) {
    const value = canonicalValue(object[key]);
    if (value !== undefined) result[key] = value;
  }
  return result;
}

/**
 * The canonical form of a row, for comparing a legacy row translated to the service shape with
 * the service row (or the other way round): keys sorted, null and missing columns alike (both
 * dropped), timestamps with any offset as UTC ISO with milliseconds, numbers as numbers, arrays
 * in their order. Applies to nested JSON (jsonb columns) too.
 */
export function canonicalRow(row: SqlRow): { [column: string]: CanonicalValue } {
  return canonicalObject(row);
}

function stableJson(value: CanonicalValue): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    // Sorted here rather than trusted to insertion order: JavaScript lists integer-like keys first.
    const members = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson(value[key] as CanonicalValue)}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The canonical row as one stable string: equal for rows `canonicalRow` makes equal, fit for hashing. */
export function canonicalText(row: SqlRow): string {
  return stableJson(canonicalRow(row));
}

/** Whether two rows are the same once both are in canonical form. */
export function sameCanonicalRow(left: SqlRow, right: SqlRow): boolean {
  return canonicalText(left) === canonicalText(right);
}
