import type { Redis } from "ioredis";
import type { Registry } from "prom-client";
import { addGaugeSource } from "./collected-gauge";

/** `outbox_backlog{database}` (unsent rows) and the age of the oldest, read at each scrape. */
export function addOutboxBacklogSource(
  registry: Registry,
  database: string,
  read: () => Promise<{ unsent: number; oldestUnsentAgeMs: number | null }>,
): () => void {
  let last: Promise<{ unsent: number; oldestUnsentAgeMs: number | null }> | undefined;
  // both gauges are collected in one scrape: one query serves them
  const once = () => {
    last ??= read().finally(() => setTimeout(() => (last = undefined), 100).unref());
    return last;
  };
  const removeBacklog = addGaugeSource(
    registry,
    {
      name: "outbox_backlog",
      help: "Outbox rows not yet relayed to Redis, by database",
      labelNames: ["database"],
    },
    async () => [{ labels: { database }, value: (await once()).unsent }],
  );
  const removeAge = addGaugeSource(
    registry,
    {
      name: "outbox_oldest_unsent_age_seconds",
      help: "Age of the oldest outbox row not yet relayed, by database (0 when none)",
      labelNames: ["database"],
    },
    async () => [{ labels: { database }, value: ((await once()).oldestUnsentAgeMs ?? 0) / 1000 }],
  );
  return () => {
    removeBacklog();
    removeAge();
  };
}

/** XINFO GROUPS reply: a flat [name, value, …] list per group. */
function groupInfo(reply: unknown, group: string): Record<string, unknown> | undefined {
  if (!Array.isArray(reply)) return undefined;
  for (const entry of reply) {
    if (!Array.isArray(entry)) continue;
    const record: Record<string, unknown> = {};
    for (let i = 0; i + 1 < entry.length; i += 2) record[String(entry[i])] = entry[i + 1];
    if (record.name === group) return record;
  }
  return undefined;
}

/**
 * `consumer_lag{group,stream}`: entries of the stream the group has not read yet (XINFO GROUPS
 * `lag`, Redis 7), and `consumer_pending{group,stream}`: read but not acknowledged.
 */
export function addConsumerLagSource(
  registry: Registry,
  redis: Redis,
  group: string,
  streams: readonly { key: string }[],
): () => void {
  let last: Promise<{ stream: string; lag: number | null; pending: number }[]> | undefined;
  const once = () => {
    last ??= Promise.all(
      streams.map(async ({ key }) => {
        const info = groupInfo(await redis.call("XINFO", "GROUPS", key).catch(() => []), group);
        const lag = info?.lag;
        return {
          stream: key,
          lag: lag === null || lag === undefined ? null : Number(lag),
          pending: Number(info?.pending ?? 0),
        };
      }),
    ).finally(() => setTimeout(() => (last = undefined), 100).unref());
    return last;
  };
  const removeLag = addGaugeSource(
    registry,
    {
      name: "consumer_lag",
      help: "Stream entries a consumer group has not read yet (XINFO GROUPS lag)",
      labelNames: ["group", "stream"],
    },
    async () =>
      (await once())
        .filter((row) => row.lag !== null)
        .map((row) => ({ labels: { group, stream: row.stream }, value: row.lag ?? 0 })),
  );
  const removePending = addGaugeSource(
    registry,
    {
      name: "consumer_pending",
      help: "Stream entries a consumer group read but has not acknowledged yet",
      labelNames: ["group", "stream"],
    },
    async () =>
      (await once()).map((row) => ({ labels: { group, stream: row.stream }, value: row.pending })),
  );
  return () => {
    removeLag();
    removePending();
  };
}
