import type { Redis } from "ioredis";
import { compareIds, idTime, replyRecord } from "@/lib/events/redis-replies";
import { scanKeys } from "@/lib/events/scan-keys";
import { aggregateTypeOfStream, deadLetterKey, eventStreamKey } from "@/lib/events/stream-keys";

/** One member of a consumer group. */
export interface ConsumerStats {
  name: string;
  pending: number;
  idleMs: number;
}

/** One consumer group on one stream. */
export interface ConsumerGroupStats {
  name: string;
  consumers: ConsumerStats[];
  /** Delivered and not acked yet. */
  pending: number;
  /** Entries not delivered to the group yet; null when Redis cannot tell (after deletions). */
  lag: number | null;
  lastDeliveredId: string;
  oldestPendingId: string | null;
  /** How long the oldest unacked entry has been on the stream. */
  oldestPendingAgeMs: number | null;
}

/** One event stream, as the console's events page shows it. */
export interface StreamStats {
  aggregateType: string;
  stream: string;
  length: number;
  entriesAdded: number;
  lastEntryId: string | null;
  /** Entries added per second over the last `RATE_WINDOW_MS` (estimated from the newest ids). */
  ratePerSecond: number;
  groups: ConsumerGroupStats[];
  deadLetters: number;
}

const RATE_WINDOW_MS = 60_000;
const RATE_SAMPLE = 50;

function rateFrom(ids: readonly string[], nowMs: number): number {
  if (ids.length === 0) return 0;
  if (ids.length < RATE_SAMPLE) return ids.length / (RATE_WINDOW_MS / 1000);
  // A busy stream: the newest RATE_SAMPLE entries span less than the window.
  const oldest = idTime(ids[ids.length - 1] as string);
  return ids.length / (Math.max(1, nowMs - oldest) / 1000);
}

/**
 * Length, rate, and for each group lag, pending count, consumers and the oldest pending age of
 * one stream (XINFO STREAM / GROUPS / CONSUMERS, XPENDING), in two round trips.
 */
export async function getStreamStats(
  redis: Redis,
  prefix: string,
  aggregateType: string,
): Promise<StreamStats> {
  const stream = eventStreamKey(prefix, aggregateType);
  const first = await redis
    .pipeline()
    .time()
    .xlen(deadLetterKey(prefix, aggregateType))
    .call("XINFO", "STREAM", stream)
    .call("XINFO", "GROUPS", stream)
    .exec();
  const time = first?.[0]?.[1] as Array<string | number>;
  const nowMs = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
  const deadLetters = Number(first?.[1]?.[1] ?? 0);
  const infoError = first?.[2]?.[0];
  if (infoError) {
    if (!/no such key/i.test(infoError.message)) throw infoError;
    return {
      aggregateType,
      stream,
      length: 0,
      entriesAdded: 0,
      lastEntryId: null,
      ratePerSecond: 0,
      groups: [],
      deadLetters,
    };
  }
  const info = first?.[2]?.[1];
  const groupsReply = first?.[3]?.[1];
  const streamInfo = replyRecord(info);
  const groupInfos = ((groupsReply as unknown[]) ?? []).map(replyRecord);
  const second = await groupInfos
    .reduce(
      (pipeline, group) =>
        pipeline
          .xpending(stream, String(group.name))
          .call("XINFO", "CONSUMERS", stream, String(group.name)),
      redis
        .pipeline()
        .call("XREVRANGE", stream, "+", `${nowMs - RATE_WINDOW_MS}-0`, "COUNT", RATE_SAMPLE),
    )
    .exec();
  const recent = second?.[0]?.[1];
  const groups = groupInfos.map((group, index): ConsumerGroupStats => {
    const summary = second?.[index * 2 + 1]?.[1] as [number, string | null] | undefined;
    const consumers = ((second?.[index * 2 + 2]?.[1] as unknown[]) ?? []).map(replyRecord);
    const oldest = summary?.[1] ?? null;
    return {
      name: String(group.name),
      consumers: consumers.map((consumer) => ({
        name: String(consumer.name),
        pending: Number(consumer.pending ?? 0),
        idleMs: Number(consumer.idle ?? 0),
      })),
      pending: Number(group.pending ?? 0),
      lag: group.lag === null || group.lag === undefined ? null : Number(group.lag),
      lastDeliveredId: String(group["last-delivered-id"] ?? "0-0"),
      oldestPendingId: oldest,
      oldestPendingAgeMs: oldest ? Math.max(0, nowMs - idTime(oldest)) : null,
    };
  });
  const lastEntryId = streamInfo["last-generated-id"];
  return {
    aggregateType,
    stream,
    length: Number(streamInfo.length ?? 0),
    entriesAdded: Number(streamInfo["entries-added"] ?? 0),
    lastEntryId:
      typeof lastEntryId === "string" && compareIds(lastEntryId, "0-0") > 0 ? lastEntryId : null,
    ratePerSecond: rateFrom(
      ((recent as Array<[string, unknown]>) ?? []).map(([id]) => id),
      nowMs,
    ),
    groups: groups.sort((a, b) => a.name.localeCompare(b.name)),
    deadLetters,
  };
}

/** Stats of every event stream under the prefix (found with SCAN), by aggregate type. */
export async function getAllStreamStats(redis: Redis, prefix: string): Promise<StreamStats[]> {
  const stats: StreamStats[] = [];
  for (const key of await scanKeys(redis, `${prefix}events:*`, "stream")) {
    const aggregateType = aggregateTypeOfStream(prefix, key);
    if (aggregateType) stats.push(await getStreamStats(redis, prefix, aggregateType));
  }
  return stats;
}
