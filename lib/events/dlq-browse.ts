import type { Redis } from "ioredis";
import { z } from "zod";
import { isNearDeadLetterCap, readDeadLetterCapacity } from "@/lib/events/dlq-capacity";
import { type DeadLetterEntry, toDeadLetterEntry } from "@/lib/events/dlq-entry";
import {
  DeadLetterFilterSchema,
  filterIdRange,
  matchesDeadLetterFilter,
  StreamIdSchema,
} from "@/lib/events/dlq-filter";
import { scanKeys } from "@/lib/events/scan-keys";
import { fieldsToRecord } from "@/lib/events/stream-entry";
import {
  AggregateTypeSchema,
  aggregateTypeOfDeadLetterKey,
  deadLetterKey,
} from "@/lib/events/stream-keys";

/** One page request of a dead-letter queue. */
export const DeadLetterPageQuerySchema = z.object({
  aggregateType: AggregateTypeSchema,
  filter: DeadLetterFilterSchema.default({}),
  /** The id the previous page ended on (exclusive); absent for the first page. */
  cursor: StreamIdSchema.optional(),
  limit: z.number().int().min(1).max(100).default(50),
  order: z.enum(["newest", "oldest"]).default("newest"),
  /** At most this many entries are read per request, matched or not, so a page stays fast. */
  maxScan: z.number().int().min(1).max(20_000).default(5_000),
});
export type DeadLetterPageQuery = z.input<typeof DeadLetterPageQuerySchema>;

/** A page of dead letters; `nextCursor` is null once the range is exhausted. */
export interface DeadLetterPage {
  entries: DeadLetterEntry[];
  nextCursor: string | null;
  /** Entries read for this page, matching or not. */
  scanned: number;
  /** All entries of this queue (XLEN), unfiltered. */
  total: number;
}

/**
 * Reads one page with XREVRANGE/XRANGE from the cursor: cost depends on the page, never on the
 * queue's length. With a filter, a page may come back short (after `maxScan` entries) with a
 * cursor to go on from.
 */
export async function listDeadLetters(
  redis: Redis,
  prefix: string,
  query: DeadLetterPageQuery,
): Promise<DeadLetterPage> {
  const q = DeadLetterPageQuerySchema.parse(query);
  const key = deadLetterKey(prefix, q.aggregateType);
  const range = filterIdRange(q.filter);
  const newest = q.order === "newest";
  let from = q.cursor ? `(${q.cursor}` : newest ? range.end : range.start;
  const to = newest ? range.start : range.end;
  const filtered = Object.keys(q.filter).some((name) => name !== "since" && name !== "until");
  const chunk = filtered ? Math.min(1_000, q.maxScan) : q.limit;
  const entries: DeadLetterEntry[] = [];
  let scanned = 0;
  let nextCursor: string | null = null;
  while (scanned < q.maxScan) {
    const count = Math.min(chunk, q.maxScan - scanned);
    const batch = newest
      ? await redis.xrevrange(key, from, to, "COUNT", count)
      : await redis.xrange(key, from, to, "COUNT", count);
    for (const [id, rawFields] of batch) {
      scanned += 1;
      nextCursor = id;
      const fields = fieldsToRecord(rawFields);
      if (!matchesDeadLetterFilter(fields, q.filter)) continue;
      entries.push(toDeadLetterEntry(q.aggregateType, id, fields));
      if (entries.length === q.limit) break;
    }
    if (entries.length === q.limit) break;
    if (batch.length < count) {
      nextCursor = null;
      break;
    }
    from = `(${nextCursor}`;
  }
  return { entries, nextCursor, scanned, total: await redis.xlen(key) };
}

/** One dead letter, or null when it is gone (replayed or purged). */
export async function getDeadLetter(
  redis: Redis,
  prefix: string,
  aggregateType: string,
  id: string,
): Promise<DeadLetterEntry | null> {
  StreamIdSchema.parse(id);
  const [entry] = await redis.xrange(deadLetterKey(prefix, aggregateType), id, id);
  return entry ? toDeadLetterEntry(aggregateType, entry[0], fieldsToRecord(entry[1])) : null;
}

/** A dead-letter queue, its length and how close it is to its cap. */
export interface DeadLetterQueueSummary {
  aggregateType: string;
  key: string;
  length: number;
  /** The cap the consumers apply (null until one has dead-lettered here). */
  maxLength: number | null;
  /** Dead letters the cap pushed out so far. */
  dropped: number;
  /** At or past 80 % of the cap: replay or purge before the oldest are dropped. */
  nearCap: boolean;
}

/** Every dead-letter queue under the prefix (found with SCAN). */
export async function listDeadLetterQueues(
  redis: Redis,
  prefix: string,
): Promise<DeadLetterQueueSummary[]> {
  const keys = await scanKeys(redis, `${prefix}dlq:events:*`, "stream");
  const capacity = await readDeadLetterCapacity(redis, prefix);
  const queues: DeadLetterQueueSummary[] = [];
  for (const key of keys) {
    const aggregateType = aggregateTypeOfDeadLetterKey(prefix, key);
    if (!aggregateType) continue;
    const length = await redis.xlen(key);
    const { maxLength, dropped } = capacity.get(aggregateType) ?? { maxLength: null, dropped: 0 };
    queues.push({
      aggregateType,
      key,
      length,
      maxLength,
      dropped,
      nearCap: isNearDeadLetterCap(length, maxLength),
    });
  }
  return queues;
}
