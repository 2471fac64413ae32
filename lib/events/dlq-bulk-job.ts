import type { ChainableCommander, Redis } from "ioredis";
import { z } from "zod";
import {
  asciiLower,
  DeadLetterFilterSchema,
  filterIdRange,
  StreamIdSchema,
} from "@/lib/events/dlq-filter";
import { bulkStepScript } from "@/lib/events/dlq-scripts";
import { idTime } from "@/lib/events/redis-replies";
import { AggregateTypeSchema, deadLetterKey, eventStreamKey } from "@/lib/events/stream-keys";

/**
 * A resumable bulk action on every dead letter matching a filter: plain data the caller keeps
 * (in a table, or in the browser) and hands back to go on, after a crash too. Its range ends at
 * the last entry that existed when it started, so entries that fail again during a replay (and
 * come back with newer ids) are not replayed in a loop.
 */
export const DeadLetterJobSchema = z.object({
  action: z.enum(["replay", "purge"]),
  aggregateType: AggregateTypeSchema,
  filter: DeadLetterFilterSchema,
  /** First and last id of the range at the start. */
  from: StreamIdSchema,
  upTo: StreamIdSchema,
  /** The last id looked at; null before the first step. */
  cursor: StreamIdSchema.nullable(),
  acted: z.number().int().min(0),
  scanned: z.number().int().min(0),
  skipped: z.number().int().min(0),
  done: z.boolean(),
  /** Entries in the range at the start when it is the whole queue (XLEN); null with time bounds. */
  total: z.number().int().min(0).nullable(),
  /** 0…1: scanned / total, or with time bounds the cursor's position in the range. */
  progress: z.number().min(0).max(1),
});
export type DeadLetterJob = z.infer<typeof DeadLetterJobSchema>;

/** Starts a bulk replay or purge; nothing is changed until `continueDeadLetterJob`. */
export async function startDeadLetterJob(
  redis: Redis,
  prefix: string,
  input: { action: DeadLetterJob["action"]; aggregateType: string; filter?: unknown },
): Promise<DeadLetterJob> {
  const aggregateType = AggregateTypeSchema.parse(input.aggregateType);
  const filter = DeadLetterFilterSchema.parse(input.filter ?? {});
  const key = deadLetterKey(prefix, aggregateType);
  const range = filterIdRange(filter);
  const [first] = await redis.xrange(key, range.start, range.end, "COUNT", 1);
  const [last] = await redis.xrevrange(key, range.end, range.start, "COUNT", 1);
  const empty = !first || !last;
  const wholeQueue = filter.since === undefined && filter.until === undefined;
  return {
    action: input.action,
    aggregateType,
    filter,
    from: first?.[0] ?? "0-0",
    upTo: last?.[0] ?? "0-0",
    cursor: null,
    acted: 0,
    scanned: 0,
    skipped: 0,
    done: empty,
    total: wholeQueue ? await redis.xlen(key) : null,
    progress: empty ? 1 : 0,
  };
}

/**
 * Runs the next step of a job: up to `batchSize` matching entries are replayed (or purged),
 * reading at most `maxScan` entries, in one Lua script (each entry's move is atomic; the step
 * too). Returns the job to store for the next step.
 */
export async function continueDeadLetterJob(
  redis: Redis,
  prefix: string,
  job: DeadLetterJob,
  options: { batchSize?: number; maxScan?: number } = {},
): Promise<DeadLetterJob> {
  const current = DeadLetterJobSchema.parse(job);
  if (current.done) return current;
  const keys = [
    deadLetterKey(prefix, current.aggregateType),
    eventStreamKey(prefix, current.aggregateType),
  ];
  const [acted, scanned, last, exhausted, skipped] = (await bulkStepScript.run(redis, keys, [
    current.action,
    current.cursor ? `(${current.cursor}` : current.from,
    current.upTo,
    options.batchSize ?? 1_000,
    options.maxScan ?? 10_000,
    current.filter.eventType ?? "",
    current.filter.errorContains ? asciiLower(current.filter.errorContains) : "",
    current.filter.group ?? "",
  ])) as [number, number, string, number, number];
  const cursor = last === "" ? current.cursor : last;
  const done = exhausted === 1 || cursor === current.upTo;
  const scannedSoFar = current.scanned + scanned;
  const span = idTime(current.upTo) - idTime(current.from);
  const position = cursor ? idTime(cursor) - idTime(current.from) : 0;
  const estimate =
    current.total !== null && current.total > 0
      ? scannedSoFar / current.total
      : span > 0
        ? position / span
        : 0;
  return {
    ...current,
    cursor,
    acted: current.acted + acted,
    scanned: scannedSoFar,
    skipped: current.skipped + skipped,
    done,
    progress: done ? 1 : Math.min(0.99, Math.max(0, estimate)),
  };
}

/** Runs a job to the end, reporting after each step; for workers and scripts. */
export async function runDeadLetterJob(
  redis: Redis,
  prefix: string,
  job: DeadLetterJob,
  options: { batchSize?: number; maxScan?: number; onProgress?: (job: DeadLetterJob) => void } = {},
): Promise<DeadLetterJob> {
  let current = job;
  while (!current.done) {
    current = await continueDeadLetterJob(redis, prefix, current, options);
    options.onProgress?.(current);
  }
  return current;
}

/** How many bulk jobs an index keeps at most, newest first. */
export const DEAD_LETTER_JOB_INDEX_MAX = 1_000;

/**
 * Queues, on `commands` (a MULTI or pipeline), the upsert of one job id into a sorted set of
 * bulk-job ids scored by start time, trimmed on the way: ids older than `maxAgeMs` (their
 * records have expired) go, at most `maxEntries` stay (the newest; the upserted id always), and
 * the index expires `maxAgeMs` after its last write. Without the trim the index only lost ids
 * that reached the 50 newest after their record expired: it grew for ever.
 */
export function indexDeadLetterJob(
  commands: ChainableCommander,
  key: string,
  job: { id: string; startedAtMs: number },
  options: { nowMs: number; maxAgeMs: number; maxEntries?: number },
): ChainableCommander {
  const maxEntries = options.maxEntries ?? DEAD_LETTER_JOB_INDEX_MAX;
  return commands
    .zrem(key, job.id)
    .zremrangebyscore(key, "-inf", `(${options.nowMs - options.maxAgeMs}`)
    .zremrangebyrank(key, 0, -maxEntries)
    .zadd(key, job.startedAtMs, job.id)
    .pexpire(key, options.maxAgeMs);
}
