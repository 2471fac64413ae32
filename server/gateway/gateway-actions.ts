import type { DomainName } from "@/lib/contracts/domains";
import { readParity } from "@/lib/parity/parity-store";
import { clearBreakerOverride, setBreakerOverride } from "@/lib/resilience/breaker-overrides";
import { readGatewayStats } from "@/lib/resilience/stats-publisher";
import type { UpstreamSide } from "@/lib/resilience/upstream-key";
import { recordAudit } from "@/server/audit/audit-log";
import type { ControlDb } from "@/server/db/client";
import type { EventBus } from "@/server/events/event-bus";

/** What the gateways published in the last seconds: per upstream stats and breaker states. */
export const gatewayStats = (bus: EventBus) => readGatewayStats(bus.redis, bus.prefix);

/** A domain's shadow parity with its newest mismatch samples. */
export const domainParity = (bus: EventBus, domain: DomainName, sampleLimit = 50) =>
  readParity(bus.redis, bus.prefix, domain, { sampleLimit });

/** Holds a breaker open or closed on every gateway, or hands it back (`mode: null`). Audited. */
export async function forceBreaker(
  db: ControlDb,
  bus: EventBus,
  actor: string,
  input: { domain: DomainName; side: UpstreamSide; mode: "open" | "closed" | null; reason: string },
) {
  if (input.mode === null)
    await clearBreakerOverride(bus.redis, bus.prefix, input.domain, input.side);
  else await setBreakerOverride(bus.redis, bus.prefix, input.domain, input.side, input.mode);
  await recordAudit(db, {
    actor,
    action: input.mode === null ? "breaker.release" : `breaker.force-${input.mode}`,
    target: `breaker:${input.domain}:${input.side}`,
    after: { mode: input.mode ?? "automatic", reason: input.reason },
  });
  return { domain: input.domain, side: input.side, mode: input.mode };
}
