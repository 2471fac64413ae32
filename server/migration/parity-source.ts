import type { DomainName } from "@/lib/contracts/domains";
import { readParityWindow } from "@/lib/parity/parity-store";
import type { EventBus } from "@/server/events/event-bus";
import type { ParityCounts } from "./parity-gate";

/**
 * The gateway's shadow comparisons of a domain that the gate counts (lib/parity's window): those
 * since the domain entered shadow (`since`, from its history) within the last hour.
 */
export async function readParityCounts(
  bus: EventBus,
  domain: DomainName,
  since: Date | null,
): Promise<ParityCounts> {
  return readParityWindow(bus.redis, bus.prefix, domain, { since });
}
