import { and, desc, eq, ne } from "drizzle-orm";
import type { DomainName, MigrationState } from "@/lib/contracts/domains";
import type { ControlDb } from "@/server/db/client";
import { migrationEvents } from "@/server/db/schema/migration";

type Reader = Pick<ControlDb, "select" | "selectDistinctOn">;

/**
 * When each domain entered the state it is in: the newest history row that changed its state
 * (a canary weight change is not a change of state). A domain with no such row for its state
 * (placed by hand, as tests do) gets `fallback`, its row's `updated_at`.
 */
export async function statesSince(
  db: Reader,
  current: ReadonlyArray<{ name: DomainName; state: MigrationState; updatedAt: Date }>,
): Promise<Map<DomainName, Date>> {
  const rows = await db
    .selectDistinctOn([migrationEvents.domain], {
      domain: migrationEvents.domain,
      toState: migrationEvents.toState,
      at: migrationEvents.at,
    })
    .from(migrationEvents)
    .where(ne(migrationEvents.fromState, migrationEvents.toState))
    .orderBy(migrationEvents.domain, desc(migrationEvents.id));
  const since = new Map<DomainName, Date>();
  for (const domain of current) {
    const last = rows.find((row) => row.domain === domain.name);
    since.set(domain.name, last?.toState === domain.state ? last.at : domain.updatedAt);
  }
  return since;
}

/**
 * When the domain last entered shadow, or null if its history has no such change (placed by
 * hand): the parity gate counts only comparisons from then on.
 */
export async function enteredShadowAt(db: Reader, domain: DomainName): Promise<Date | null> {
  const [row] = await db
    .select({ at: migrationEvents.at })
    .from(migrationEvents)
    .where(
      and(
        eq(migrationEvents.domain, domain),
        eq(migrationEvents.toState, "shadow"),
        ne(migrationEvents.fromState, "shadow"),
      ),
    )
    .orderBy(desc(migrationEvents.id))
    .limit(1);
  return row?.at ?? null;
}
