import { z } from "zod";
import { omitVolatileFields } from "@/lib/contracts/volatile-fields";

/** One side's answer to a mirrored request: status and parsed JSON body (or text). */
export interface ParityResponse {
  status: number;
  body: unknown;
}

/**
 * One difference between the two answers. `path` is `status`, or `body` followed by `.key` and
 * `[index]` steps (`body.items[0].title`); a side without the field has no value.
 */
export const ParityDiffSchema = z.object({
  path: z.string(),
  kind: z.enum(["changed", "missing-in-legacy", "missing-in-service"]),
  legacy: z.unknown().optional(),
  service: z.unknown().optional(),
});
export type ParityDiff = z.infer<typeof ParityDiffSchema>;

export const ParityComparisonSchema = z.object({
  match: z.boolean(),
  diffs: z.array(ParityDiffSchema),
  /** True when there were more differences than `diffs` holds. */
  truncated: z.boolean(),
});
export type ParityComparison = z.infer<typeof ParityComparisonSchema>;

export interface CompareOptions {
  /** At most this many diffs are kept; 50 unless told. */
  maxDiffs?: number;
  /** Strings and serialized objects in a diff are cut to this many characters; 200 unless told. */
  maxValueLength?: number;
}

// Deeper than any real API answer; past it, subtrees are compared as serialized text.
const MAX_DEPTH = 64;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function sortKeys(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => sortKeys(item, depth + 1));
  if (!isPlainObject(value)) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys(value[key], depth + 1);
  return sorted;
}

/**
 * A body ready for comparison: the route's volatile fields removed (omitVolatileFields) and
 * object keys sorted, so key order never counts as a difference.
 */
export function normalizeBody(body: unknown, volatileFields: readonly string[]): unknown {
  return sortKeys(omitVolatileFields(body, volatileFields), 0);
}

function childPath(path: string, key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)
    ? `${path}.${key}`
    : `${path}[${JSON.stringify(key)}]`;
}

function truncateValue(value: unknown, maxLength: number): unknown {
  if (typeof value === "string") {
    return value.length > maxLength ? `${value.slice(0, maxLength)}…` : value;
  }
  if (value === null || typeof value !== "object") return value;
  const text = JSON.stringify(value);
  return text.length > maxLength ? `${text.slice(0, maxLength)}…` : value;
}

class DiffCollector {
  readonly diffs: ParityDiff[] = [];
  truncated = false;

  constructor(
    private readonly maxDiffs: number,
    private readonly maxValueLength: number,
  ) {}

  get full(): boolean {
    return this.diffs.length >= this.maxDiffs;
  }

  add(path: string, legacy: unknown, service: unknown, presence: "both" | "legacy" | "service") {
    if (this.full) {
      this.truncated = true;
      return;
    }
    const diff: ParityDiff = {
      path,
      kind:
        presence === "both"
          ? "changed"
          : presence === "legacy"
            ? "missing-in-service"
            : "missing-in-legacy",
    };
    if (presence !== "service") diff.legacy = truncateValue(legacy, this.maxValueLength);
    if (presence !== "legacy") diff.service = truncateValue(service, this.maxValueLength);
    this.diffs.push(diff);
  }

  compare(path: string, legacy: unknown, service: unknown, depth: number): void {
    if (this.full) {
      if (!Object.is(legacy, service) && !deepEqual(legacy, service)) this.truncated = true;
      return;
    }
    if (depth > MAX_DEPTH) {
      if (JSON.stringify(legacy) !== JSON.stringify(service))
        this.add(path, legacy, service, "both");
      return;
    }
    if (Array.isArray(legacy) && Array.isArray(service)) {
      const length = Math.max(legacy.length, service.length);
      for (let index = 0; index < length; index += 1) {
        const itemPath = `${path}[${index}]`;
        if (index >= service.length) this.add(itemPath, legacy[index], undefined, "legacy");
        else if (index >= legacy.length) this.add(itemPath, undefined, service[index], "service");
        else this.compare(itemPath, legacy[index], service[index], depth + 1);
      }
      return;
    }
    if (isPlainObject(legacy) && isPlainObject(service)) {
      const keys = [...new Set([...Object.keys(legacy), ...Object.keys(service)])].sort();
      for (const key of keys) {
        const keyPath = childPath(path, key);
        const inLegacy = Object.hasOwn(legacy, key);
        const inService = Object.hasOwn(service, key);
        if (!inService) this.add(keyPath, legacy[key], undefined, "legacy");
        else if (!inLegacy) this.add(keyPath, undefined, service[key], "service");
        else this.compare(keyPath, legacy[key], service[key], depth + 1);
      }
      return;
    }
    if (!Object.is(legacy, service)) this.add(path, legacy, service, "both");
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a, 0)) === JSON.stringify(sortKeys(b, 0));
}

/**
 * Compares the legacy and the service answer to one request: status, then the JSON bodies after
 * normalizeBody, field by field. At most `maxDiffs` (50) diffs, long values cut.
 */
export function compareResponses(
  legacy: ParityResponse,
  service: ParityResponse,
  volatileFields: readonly string[],
  options: CompareOptions = {},
): ParityComparison {
  const collector = new DiffCollector(options.maxDiffs ?? 50, options.maxValueLength ?? 200);
  if (legacy.status !== service.status) {
    collector.add("status", legacy.status, service.status, "both");
  }
  collector.compare(
    "body",
    normalizeBody(legacy.body, volatileFields),
    normalizeBody(service.body, volatileFields),
    0,
  );
  return {
    match: collector.diffs.length === 0 && !collector.truncated,
    diffs: collector.diffs,
    truncated: collector.truncated,
  };
}
