import type { DomainName } from "@/lib/contracts/domains";
import { readParity } from "@/lib/parity/parity-store";
import type { EventBus } from "@/server/events/event-bus";
import type { ParityCounts } from "./parity-gate";

/** The gateway's shadow comparison counts of a domain, as lib/parity stores them. */
export async function readParityCounts(bus: EventBus, domain: DomainName): Promise<ParityCounts> {
  const { matched, mismatched } = await readParity(bus.redis, bus.prefix, domain, {
    sampleLimit: 0,
  });
  return { matched, mismatched };
}
