import { and, desc, eq, sql } from "drizzle-orm";
import { DOMAIN_NAMES } from "@/lib/contracts/domains";
import type { ControlDb } from "@/server/db/client";
import { timelineEvents } from "@/server/db/schema/timeline";
import { recordTimelineEvent } from "@/server/timeline/record";
import type { ApplicationView } from "./application-view";

const SETTLED = new Set(["Healthy", "Degraded", "Missing"]);

/** The migration domain an Application's domain label names, if it is one. */
export function migrationDomainOf(view: { domain: string | null }): string | undefined {
  return (DOMAIN_NAMES as readonly string[]).includes(view.domain ?? "")
    ? (view.domain ?? undefined)
    : undefined;
}

/**
 * Records, as an `argocd_sync` timeline row, each settled health an Application reaches at a
 * revision (Synced, no operation running): this is how the domain rollback later knows which
 * revisions ended Healthy, since Argo CD's history keeps no health. Only changes are written.
 */
export class HealthObserver {
  private readonly last = new Map<string, string>();
  constructor(private readonly db: ControlDb) {}

  async observe(view: ApplicationView): Promise<boolean> {
    if (view.syncStatus !== "Synced" || view.operationRunning || !view.revision) return false;
    if (!SETTLED.has(view.healthStatus)) return false;
    const key = `${view.namespace}/${view.name}`;
    const seen = `${view.revision}:${view.healthStatus}`;
    if (this.last.get(key) === seen) return false;
    this.last.set(key, seen);
    const known = await latestObservation(this.db, view.name);
    if (known && known.revision === view.revision && known.health === view.healthStatus)
      return false;
    await recordTimelineEvent(this.db, {
      kind: "argocd_sync",
      domain: migrationDomainOf(view),
      severity: view.healthStatus === "Healthy" ? "info" : "warning",
      summary: `${view.name} is ${view.healthStatus} at ${view.revision.slice(0, 7)}`,
      source: "gitops",
      details: {
        application: view.name,
        environment: view.environment,
        revision: view.revision,
        observedHealth: view.healthStatus,
      },
    });
    return true;
  }
}

type Observation = { revision: string; health: string };

async function latestObservation(db: ControlDb, application: string): Promise<Observation | null> {
  const [row] = await observationsQuery(db, application).limit(1);
  return row ? toObservation(row.details) : null;
}

function observationsQuery(db: ControlDb, application: string) {
  return db
    .select({ details: timelineEvents.details })
    .from(timelineEvents)
    .where(
      and(
        eq(timelineEvents.kind, "argocd_sync"),
        sql`${timelineEvents.details}->>'application' = ${application}`,
        sql`${timelineEvents.details} ? 'observedHealth'`,
      ),
    )
    .orderBy(desc(timelineEvents.id));
}

function toObservation(details: unknown): Observation | null {
  const d = details as { revision?: unknown; observedHealth?: unknown } | null;
  return typeof d?.revision === "string" && typeof d.observedHealth === "string"
    ? { revision: d.revision, health: d.observedHealth }
    : null;
}

/** revision → the last health seen at it (the health its deploy ended with), for one Application. */
export async function endingHealthByRevision(
  db: ControlDb,
  application: string,
): Promise<Map<string, string>> {
  const rows = await observationsQuery(db, application).limit(500);
  const ending = new Map<string, string>();
  for (const row of rows) {
    const observation = toObservation(row.details);
    // newest first: the first row per revision is how that revision's deploy ended
    if (observation && !ending.has(observation.revision))
      ending.set(observation.revision, observation.health);
  }
  return ending;
}
