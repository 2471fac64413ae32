import type { EventBus } from "@/server/events/event-bus";
import type { ParityCounts } from "./parity-gate";

/** The gateway's shadow comparison counts of a domain (hash `<prefix>parity:<domain>`). */
export async function readParityCounts(bus: EventBus, domain: string): Promise<ParityCounts> {
  const [matched, mismatched] = await bus.redis.hmget(
    `${bus.prefix}parity:${domain}`,
    "matched",
    "mismatched",
  );
  return { matched: Number(matched ?? 0), mismatched: Number(mismatched ?? 0) };
}
