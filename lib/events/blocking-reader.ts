import type { Redis } from "ioredis";
import { type RawEntry, streamReadReply } from "@/lib/events/redis-replies";

/** Entries one XREADGROUP returned, per stream key. */
export type StreamBatch = Array<{ key: string; entries: RawEntry[] }>;

/** Reads for a consumer group on a connection of its own; see `createBlockingReader`. */
export interface BlockingReader {
  readGroup(
    group: string,
    consumer: string,
    keys: readonly string[],
    count: number,
  ): Promise<StreamBatch>;
  close(): void;
}

/**
 * XREADGROUP BLOCK on a dedicated connection (a blocked connection delays every other command
 * on it), with a short BLOCK and a watchdog: if a read has not returned `watchdogMs` after it was
 * sent (a half-open socket, a reconnect that lost the command), the connection is dropped and
 * the next read opens a new one. Entries delivered to a dropped read stay pending and are
 * reclaimed like any unacked entry.
 */
export function createBlockingReader(
  base: Redis,
  options: { blockMs: number; watchdogMs?: number; onWatchdog?: () => void },
): BlockingReader {
  let connection: Redis | undefined;
  const watchdogMs = options.watchdogMs ?? options.blockMs + 5_000;
  return {
    async readGroup(group, consumer, keys, count) {
      connection ??= base.duplicate({ connectionName: `xreadgroup:${group}:${consumer}` });
      const current = connection;
      const read = current.call(
        "XREADGROUP",
        "GROUP",
        group,
        consumer,
        "COUNT",
        count,
        "BLOCK",
        options.blockMs,
        "STREAMS",
        ...keys,
        ...keys.map(() => ">"),
      );
      let timer: NodeJS.Timeout | undefined;
      const watchdog = new Promise<"watchdog">((resolve) => {
        timer = setTimeout(() => resolve("watchdog"), watchdogMs);
      });
      try {
        const reply = await Promise.race([read, watchdog]);
        if (reply === "watchdog") {
          read.catch(() => undefined);
          current.disconnect();
          if (connection === current) connection = undefined;
          options.onWatchdog?.();
          return [];
        }
        return streamReadReply(reply);
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      connection?.disconnect();
      connection = undefined;
    },
  };
}
