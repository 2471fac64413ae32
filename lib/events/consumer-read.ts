import { type BlockingReader, createBlockingReader } from "@/lib/events/blocking-reader";
import { toDeliveries } from "@/lib/events/consumer-delivery";
import { type ConsumerGroups, isGroupLostError } from "@/lib/events/consumer-group";
import type { ConsumerContext } from "@/lib/events/consumer-options";
import type { DeliveryProcessor } from "@/lib/events/consumer-process";

/** Reads new entries for the group and hands them to the processor. */
export interface GroupReader {
  /** One XREADGROUP and its processing; returns the number of entries read. */
  pollOnce(): Promise<number>;
  close(): void;
}

/**
 * XREADGROUP `>` over every stream of the group on a dedicated connection (see
 * `createBlockingReader`). When Redis says the group is gone (it lost its data, or a stream was
 * deleted under the read), `recoverGroups` recreates it and the read returns 0 instead of failing.
 */
export function createGroupReader(
  ctx: ConsumerContext,
  groups: ConsumerGroups,
  processor: DeliveryProcessor,
  recoverGroups: (cause: unknown) => Promise<void>,
): GroupReader {
  const { options, stats } = ctx;
  const reader: BlockingReader = createBlockingReader(options.redis, {
    blockMs: ctx.blockMs,
    watchdogMs: options.watchdogMs,
    onWatchdog: () => {
      stats.watchdogResets += 1;
    },
  });
  const keys = ctx.streams.map((stream) => stream.key);
  return {
    async pollOnce() {
      await groups.ensure();
      let batch: Awaited<ReturnType<BlockingReader["readGroup"]>>;
      try {
        batch = await reader.readGroup(options.group, options.consumer, keys, ctx.batchSize);
      } catch (error) {
        if (!isGroupLostError(error)) throw error;
        await recoverGroups(error);
        return 0;
      }
      const deliveries = batch.flatMap(({ key, entries }) =>
        toDeliveries(ctx.byKey.get(key), entries, 1),
      );
      if (deliveries.length > 0) await processor.process(deliveries);
      return deliveries.length;
    },
    close() {
      reader.close();
    },
  };
}
