import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { ensureConsumerGroup } from "@/lib/events/consumer-group";
import { scanKeys } from "@/lib/events/scan-keys";
import { aggregateTypeOfDeadLetterKey, eventStreamKey } from "@/lib/events/stream-keys";

/**
 * The key holding this Redis' generation: a random id written by the first relay that finds it
 * missing. Redis that lost its data (restart without persistence, failover to a stale replica,
 * FLUSHALL) has no such key or another id, so a new id means "what was there before is gone".
 */
export function generationKey(prefix: string): string {
  return `${prefix}bus:generation`;
}

/** Reads the current generation; null when Redis has none (empty, or it lost its data). */
export async function readGeneration(redis: Redis, prefix: string): Promise<string | null> {
  return redis.get(generationKey(prefix));
}

/**
 * The current generation, created when missing (`SET NX GET`: of several relays, one wins and
 * the others read its id). `created` says this call started the generation.
 */
export async function ensureGeneration(
  redis: Redis,
  prefix: string,
): Promise<{ generation: string; created: boolean }> {
  const candidate = randomUUID();
  const previous = (await redis.call("SET", generationKey(prefix), candidate, "NX", "GET")) as
    | string
    | null;
  return previous === null
    ? { generation: candidate, created: true }
    : { generation: previous, created: false };
}

/** A consumer group and the aggregate types it reads (a `ConsumerDefinition` fits). */
export interface ConsumerGroupDeclaration {
  group: string;
  aggregateTypes: readonly string[];
}

/** The declared groups of each aggregate type, sorted, for the confirmer and the trimmer. */
export function groupsByAggregateType(
  declarations: readonly ConsumerGroupDeclaration[],
): Map<string, string[]> {
  const byType = new Map<string, Set<string>>();
  for (const { group, aggregateTypes } of declarations) {
    for (const aggregateType of aggregateTypes) {
      const groups = byType.get(aggregateType) ?? new Set<string>();
      groups.add(group);
      byType.set(aggregateType, groups);
    }
  }
  return new Map([...byType].map(([type, groups]) => [type, [...groups].sort()]));
}

/**
 * Creates every declared group on its streams (and the streams) unless it exists, at `0`: a
 * group recreated after a loss, or one whose consumer has not started yet, reads everything the
 * stream holds, re-published entries included (its inbox skips what it processed before).
 * Returns how many groups it created. Consumers call the same on NOGROUP for their own group.
 */
export async function ensureGroups(
  redis: Redis,
  prefix: string,
  declarations: readonly ConsumerGroupDeclaration[],
): Promise<number> {
  let created = 0;
  for (const [aggregateType, groups] of groupsByAggregateType(declarations)) {
    const stream = eventStreamKey(prefix, aggregateType);
    const existing = await existingGroups(redis, stream);
    for (const group of groups) {
      if (existing.has(group)) continue;
      await ensureConsumerGroup(redis, stream, group, "0");
      created += 1;
    }
  }
  return created;
}

async function existingGroups(redis: Redis, stream: string): Promise<Set<string>> {
  try {
    const groups = (await redis.xinfo("GROUPS", stream)) as unknown[][];
    return new Set(groups.map((fields) => String(fields[fields.indexOf("name") + 1])));
  } catch (error) {
    if (/no such key/i.test(String((error as Error).message))) return new Set();
    throw error;
  }
}

/** Dead-letter stream lengths by aggregate type, read in the generation they belong to. */
export interface DeadLetterCounts {
  /** The generation the counts were read in; null when Redis has none (nothing to compare). */
  generation: string | null;
  counts: Record<string, number>;
}

/**
 * Counts the dead letters of every `dlq:events:*` stream together with the generation marker,
 * in one MULTI, so a count read just after a loss is never taken for the old generation's.
 */
export async function countDeadLetters(redis: Redis, prefix: string): Promise<DeadLetterCounts> {
  const keys = await scanKeys(redis, `${prefix}dlq:events:*`, "stream");
  const multi = redis.multi().get(generationKey(prefix));
  for (const key of keys) multi.xlen(key);
  const results = await multi.exec();
  if (!results) throw new Error("dead-letter count MULTI was discarded");
  const failed = results.find(([error]) => error);
  if (failed) throw failed[0];
  const counts: Record<string, number> = {};
  keys.forEach((key, index) => {
    const aggregateType = aggregateTypeOfDeadLetterKey(prefix, key);
    const length = Number(results[index + 1]?.[1] ?? 0);
    if (aggregateType && length > 0) counts[aggregateType] = length;
  });
  return { generation: (results[0]?.[1] as string | null) ?? null, counts };
}

/**
 * How many dead letters of `before` are missing from `now`: per stream, the drop in length
 * (a lower bound: dead letters added after `before` was read are not known).
 */
export function lostDeadLetters(
  before: Record<string, number>,
  now: Record<string, number>,
): { total: number; byAggregateType: Record<string, number> } {
  const byAggregateType: Record<string, number> = {};
  let total = 0;
  for (const [aggregateType, count] of Object.entries(before)) {
    const lost = Math.max(0, count - (now[aggregateType] ?? 0));
    if (lost > 0) {
      byAggregateType[aggregateType] = lost;
      total += lost;
    }
  }
  return { total, byAggregateType };
}
