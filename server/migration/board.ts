import { and, desc, eq, gte } from "drizzle-orm";
import { readParity } from "@/lib/parity/parity-store";
import type { ControlDb } from "@/server/db/client";
import { migrationEvents } from "@/server/db/schema/migration";
import type { EventBus } from "@/server/events/event-bus";
import { activePlans } from "@/server/rollout/rollout-service";
import { listDomains } from "./migration-service";
import { migrationProgress } from "./progress";

const ALERT_WINDOW_MS = 24 * 3600_000;

/**
 * The migration board in one round trip: every domain with its shadow parity and rollout in
 * flight, the overall progress, and the automatic rollbacks of the last day (alerts).
 */
export async function migrationBoard(db: ControlDb, bus: EventBus) {
  const [domains, parity, plans, alerts] = await Promise.all([
    listDomains(db),
    readParity(bus.redis, bus.prefix, undefined, { sampleLimit: 0 }).catch(() => []),
    activePlans(db),
    db
      .select()
      .from(migrationEvents)
      .where(
        and(
          eq(migrationEvents.actor, "slo-guard"),
          gte(migrationEvents.at, new Date(Date.now() - ALERT_WINDOW_MS)),
        ),
      )
      .orderBy(desc(migrationEvents.id))
      .limit(5),
  ]);
  return {
    domains: domains.map((d) => {
      const p = parity.find((r) => r.domain === d.name);
      return {
        ...d,
        parity: p ? { percent: p.percent, compared: p.compared } : { percent: null, compared: 0 },
        plan: plans.get(d.name) ?? null,
      };
    }),
    progress: migrationProgress(domains),
    alerts: alerts.filter((a) => a.toState === "legacy"),
  };
}
