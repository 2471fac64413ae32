import type { ConsumedStream } from "@/lib/events/consumer-options";
import type { RawEntry } from "@/lib/events/redis-replies";
import { fieldsToRecord } from "@/lib/events/stream-entry";

/** One entry as this consumer got it, by XREADGROUP or XCLAIM. */
export interface Delivery {
  aggregateType: string;
  stream: string;
  id: string;
  fields: Record<string, string>;
  /** How many times this entry has been delivered, this delivery included. */
  deliveries: number;
}

/** One stream's reply entries as deliveries; entries deleted meanwhile (null) are left out. */
export function toDeliveries(
  stream: ConsumedStream | undefined,
  entries: readonly RawEntry[],
  deliveries: number,
): Delivery[] {
  if (!stream) return [];
  return entries
    .filter((entry) => entry[1] !== null)
    .map((entry) => ({
      aggregateType: stream.aggregateType,
      stream: stream.key,
      id: entry[0],
      fields: fieldsToRecord(entry[1]),
      deliveries,
    }));
}

/** Deliveries grouped by stream key, in order. */
export function deliveriesByStream(deliveries: readonly Delivery[]): Map<string, Delivery[]> {
  const byStream = new Map<string, Delivery[]>();
  for (const delivery of deliveries) {
    byStream.set(delivery.stream, [...(byStream.get(delivery.stream) ?? []), delivery]);
  }
  return byStream;
}
