import { abortableDelay } from "@/lib/events/abortable-delay";
import { createDeadLetterSink } from "@/lib/events/consumer-dead-letters";
import { createConsumerGroups, leaveGroupsIfIdle } from "@/lib/events/consumer-group";
import {
  createConsumerContext,
  type EventConsumerOptions,
  type EventConsumerStats,
} from "@/lib/events/consumer-options";
import { createDeliveryProcessor } from "@/lib/events/consumer-process";
import { createGroupReader } from "@/lib/events/consumer-read";
import { createPendingReclaimer } from "@/lib/events/consumer-reclaim";
import { describeError } from "@/lib/events/event-errors";
import { pruneInbox } from "@/lib/events/inbox";
import { addConsumerLagSource } from "@/lib/observability/backbone-gauges";

export type { EventConsumerOptions, EventConsumerStats } from "@/lib/events/consumer-options";

/** A consumer of one group; `start()` runs the read, reclaim and inbox-pruning loops. */
export interface EventConsumer {
  start(): void;
  stop(): Promise<void>;
  /** One XREADGROUP and its processing; returns the number of entries read. */
  pollOnce(): Promise<number>;
  /** One pass over the pending entries that are due again; returns the number claimed. */
  reclaimOnce(): Promise<number>;
  /** Deletes this group's inbox rows past the retention now; returns how many. */
  pruneInboxOnce(): Promise<number>;
  readonly stats: Readonly<EventConsumerStats>;
}

/**
 * A consumer-group member, in three parts: the reader (consumer-read.ts: XREADGROUP BLOCK on a
 * dedicated connection, watchdog), the processor (consumer-process.ts: handlers and inbox in one
 * transaction under a deadline and statement_timeout, then ack, retry or dead-letter) and the
 * reclaimer (consumer-reclaim.ts: XPENDING/XCLAIM after each entry's backoff). A group Redis lost
 * is recreated at `0` and reading goes on (the inbox skips what was processed before). Inbox rows
 * older than the retention are pruned on a schedule.
 */
export function createEventConsumer(options: EventConsumerOptions): EventConsumer {
  const ctx = createConsumerContext(options);
  const keys = ctx.streams.map((stream) => stream.key);
  const groups = createConsumerGroups(options.redis, keys, options.group, options.startId ?? "0");
  const deadLetters = createDeadLetterSink(ctx);
  const processor = createDeliveryProcessor(ctx, deadLetters);

  async function recoverGroups(cause: unknown): Promise<void> {
    const recreated = await groups.recreate();
    ctx.stats.groupsRecreated += recreated;
    if (recreated > 0) {
      options.onWarning?.(
        `consumer group ${options.group} was gone (Redis lost it) and was recreated at 0`,
        { group: options.group, streams: keys, recreated, cause: describeError(cause) },
      );
    }
  }

  const reader = createGroupReader(ctx, groups, processor, recoverGroups);
  const reclaimer = createPendingReclaimer(ctx, groups, processor, deadLetters, recoverGroups);
  const controller = new AbortController();
  let loops: Promise<void>[] = [];
  let removeLagGauge: (() => void) | undefined;

  async function pruneInboxOnce(): Promise<number> {
    if (ctx.inboxRetentionMs === 0) return 0;
    const deleted = await pruneInbox(options.db, {
      olderThanMs: ctx.inboxRetentionMs,
      table: options.inboxTable,
      group: options.group,
    });
    ctx.stats.inboxPruned += deleted;
    return deleted;
  }

  async function readLoop(): Promise<void> {
    while (!controller.signal.aborted) {
      try {
        await reader.pollOnce();
      } catch (error) {
        if (controller.signal.aborted) break;
        options.onError?.(error);
        await abortableDelay(1_000, controller.signal);
      }
    }
  }

  async function reclaimLoop(): Promise<void> {
    const interval = options.reclaimIntervalMs ?? Math.min(ctx.policy.baseMs, 5_000);
    while (!controller.signal.aborted) {
      await abortableDelay(interval, controller.signal);
      if (controller.signal.aborted) break;
      try {
        // Keep going while full batches come back, so a backlog drains at read speed.
        while ((await reclaimer.reclaimOnce()) >= ctx.batchSize && !controller.signal.aborted) {}
      } catch (error) {
        options.onError?.(error);
      }
    }
  }

  async function pruneLoop(): Promise<void> {
    if (ctx.inboxRetentionMs === 0) return;
    // A random first wait, so the consumers of a group do not all prune at the same moment.
    await abortableDelay(Math.floor(Math.random() * ctx.inboxPruneIntervalMs), controller.signal);
    while (!controller.signal.aborted) {
      try {
        await pruneInboxOnce();
      } catch (error) {
        if (controller.signal.aborted) break;
        options.onError?.(error);
      }
      await abortableDelay(ctx.inboxPruneIntervalMs, controller.signal);
    }
  }

  return {
    stats: ctx.stats,
    pollOnce: () => reader.pollOnce(),
    reclaimOnce: () => reclaimer.reclaimOnce(),
    pruneInboxOnce,
    start() {
      loops = [readLoop(), reclaimLoop(), pruneLoop()];
      removeLagGauge = addConsumerLagSource(
        ctx.registry,
        options.redis,
        options.group,
        ctx.streams,
      );
    },
    async stop() {
      controller.abort();
      removeLagGauge?.();
      reader.close();
      await Promise.all(loops);
      // A consumer without pending entries is removed so XINFO does not list the departed.
      await leaveGroupsIfIdle(options.redis, keys, options.group, options.consumer);
    },
  };
}
