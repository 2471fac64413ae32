import { asc, desc, eq, sql } from "drizzle-orm";
import type { DomainName, MigrationState } from "@/lib/contracts/domains";
import { recordAudit } from "@/server/audit/audit-log";
import type { ControlDb } from "@/server/db/client";
import { domains, migrationEvents } from "@/server/db/schema/migration";
import { DomainError } from "@/server/errors";
import { type Placement, planTransition } from "./state-machine";

export type DomainRow = typeof domains.$inferSelect;

/** All domains in a stable order, for the board. */
export async function listDomains(db: ControlDb): Promise<DomainRow[]> {
  return db.select().from(domains).orderBy(asc(domains.name));
}

/** One domain with its newest history first. */
export async function getDomain(db: ControlDb, name: DomainName, historyLimit = 100) {
  const [domain] = await db.select().from(domains).where(eq(domains.name, name));
  if (!domain) throw new DomainError("NOT_FOUND", `domain ${name} does not exist`);
  const history = await db
    .select()
    .from(migrationEvents)
    .where(eq(migrationEvents.domain, name))
    .orderBy(desc(migrationEvents.id))
    .limit(historyLimit);
  return { domain, history };
}

export type TransitionRequest = {
  domain: DomainName;
  to: MigrationState;
  weight?: number;
  reason: string;
  expectedVersion: number;
};

export type RollbackRequest = { domain: DomainName; reason: string; expectedVersion?: number };

/**
 * Moves a domain forward along the state machine. The domain row, its history row and the audit
 * row are written in one transaction; a stale `expectedVersion` changes nothing.
 */
export async function transitionDomain(
  db: ControlDb,
  actor: string,
  request: TransitionRequest,
): Promise<DomainRow> {
  return applyChange(db, actor, request.domain, request.reason, request.expectedVersion, (from) =>
    planTransition(from, request.to, request.weight),
  );
}

/** Sends a domain straight back to legacy from any state. */
export async function rollbackDomain(
  db: ControlDb,
  actor: string,
  request: RollbackRequest,
): Promise<DomainRow> {
  return applyChange(db, actor, request.domain, request.reason, request.expectedVersion, (from) => {
    if (from.state === "legacy") {
      throw new DomainError("BAD_REQUEST", `${request.domain} is already on legacy`);
    }
    return { state: "legacy", weight: 0 };
  });
}

async function applyChange(
  db: ControlDb,
  actor: string,
  name: DomainName,
  reason: string,
  expectedVersion: number | undefined,
  plan: (from: Placement) => Placement,
): Promise<DomainRow> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(domains).where(eq(domains.name, name)).for("update");
    if (!current) throw new DomainError("NOT_FOUND", `domain ${name} does not exist`);
    if (expectedVersion !== undefined && current.version !== expectedVersion) {
      throw staleVersion(current, expectedVersion);
    }
    const from: Placement = { state: current.state, weight: current.canaryWeight };
    const to = plan(from);
    const [updated] = await tx
      .update(domains)
      .set({
        state: to.state,
        canaryWeight: to.weight,
        version: sql`${domains.version} + 1`,
        updatedAt: sql`now()`,
        updatedBy: actor,
      })
      .where(eq(domains.name, name))
      .returning();
    if (!updated) throw new DomainError("CONFLICT", `domain ${name} changed during the update`);
    await tx.insert(migrationEvents).values({
      domain: name,
      fromState: from.state,
      toState: to.state,
      fromWeight: from.weight,
      toWeight: to.weight,
      actor,
      reason,
    });
    await recordAudit(tx, {
      actor,
      action: to.state === "legacy" ? "migration.rollback" : "migration.transition",
      target: `domain:${name}`,
      before: { state: from.state, weight: from.weight, version: current.version },
      after: { state: to.state, weight: to.weight, version: updated.version, reason },
    });
    return updated;
  });
}

function staleVersion(current: DomainRow, expected: number): DomainError {
  return new DomainError(
    "CONFLICT",
    `${current.name} was changed by ${current.updatedBy} at ${current.updatedAt.toISOString()} ` +
      `(version ${current.version}, you had ${expected}); reload and try again`,
  );
}
