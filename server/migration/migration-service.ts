import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import { type DomainName, type MigrationState, ROUTES_CHANNEL } from "@/lib/contracts/domains";
import { recordAudit } from "@/server/audit/audit-log";
import { checkDataGate, type DataGateRecord, needsDataGate } from "@/server/data/data-gate";
import {
  DEFAULT_FENCE,
  type FenceOptions,
  type FenceRecord,
  fenceAndDrain,
  lowerFence,
} from "@/server/data/write-fence";
import type { ControlDb } from "@/server/db/client";
import { domains, migrationEvents } from "@/server/db/schema/migration";
import { rolloutPlans } from "@/server/db/schema/rollout";
import { DomainError } from "@/server/errors";
import { assertParity, type ParityCounts, type ParityLookup } from "./parity-gate";
import { type Placement, planTransition } from "./state-machine";
import { enteredShadowAt } from "./state-since";

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
  /** The version the operator saw; internal callers (plans, the guard) that hold the lock omit it. */
  expectedVersion?: number;
  /** Admins only: go to canary although parity is below the threshold. */
  overrideParity?: boolean;
  /** Admins only: go to canary or migrated although the data gate is not met. */
  overrideData?: boolean;
};

export type RollbackRequest = { domain: DomainName; reason: string; expectedVersion?: number };

/** A transaction on keiko_control, so that several changes (a plan and its first step) commit together. */
export type ControlTx = Parameters<Parameters<ControlDb["transaction"]>[0]>[0];

/**
 * Moves a domain forward along the state machine. The domain row, its history row and the audit
 * row are written in one transaction; a stale `expectedVersion` changes nothing. shadow → canary
 * also needs the parity the gateway measured (`parity`), unless an admin overrides it.
 */
export async function transitionDomain(
  db: ControlDb,
  actor: string,
  request: TransitionRequest,
  parity?: ParityLookup,
): Promise<DomainRow> {
  return db.transaction((tx) => transitionInTx(tx, actor, request, parity));
}

export async function transitionInTx(
  tx: ControlTx,
  actor: string,
  request: TransitionRequest,
  parity?: ParityLookup,
): Promise<DomainRow> {
  let measured: ParityCounts | undefined;
  let dataGate: DataGateRecord | undefined;
  return applyChangeInTx(
    tx,
    actor,
    request.domain,
    request.reason,
    request.expectedVersion,
    async (from, row) => {
      const to = planTransition(from, request.to, request.weight);
      if (from.state === "shadow" && to.state === "canary" && parity) {
        // only comparisons since this shadow began: a previous shadow's are another service build's
        measured = await parity(request.domain, await enteredShadowAt(tx, request.domain));
        if (!request.overrideParity) {
          assertParity(request.domain, measured, {
            minPercent: row.parityMinPercent,
            minSamples: row.parityMinSamples,
          });
        }
      }
      if (needsDataGate(from.state, to.state)) {
        dataGate = await checkDataGate(tx, request.domain, Boolean(request.overrideData));
      }
      return to;
    },
    () => ({
      ...(measured && { parity: measured, parityOverridden: Boolean(request.overrideParity) }),
      ...(dataGate && { dataGate }),
    }),
  );
}

/** Sends a domain straight back to legacy from any state; a rollout in flight ends as rolled back. */
export async function rollbackDomain(
  db: ControlDb,
  actor: string,
  request: RollbackRequest,
  fence: FenceOptions = DEFAULT_FENCE,
): Promise<DomainRow> {
  return withRollbackFence(db, request, fence, (tx, record) =>
    rollbackInTx(tx, actor, request, { fence: record }),
  );
}

/**
 * Runs a rollback (`flip`, in a transaction) behind the domain's write fence: the service →
 * legacy sync drains first, so legacy holds every write the service acknowledged
 * (docs/decisions/0011). A stale version is refused before the fence goes up; if the flip
 * fails, the fence comes down.
 */
export async function withRollbackFence<T>(
  db: ControlDb,
  request: { domain: DomainName; expectedVersion?: number },
  fence: FenceOptions,
  flip: (tx: ControlTx, record: FenceRecord) => Promise<T>,
): Promise<T> {
  const [current] = await db.select().from(domains).where(eq(domains.name, request.domain));
  if (!current) throw new DomainError("NOT_FOUND", `domain ${request.domain} does not exist`);
  if (request.expectedVersion !== undefined && current.version !== request.expectedVersion) {
    throw staleVersion(current, request.expectedVersion);
  }
  const record = await fenceAndDrain(db, request.domain, fence);
  try {
    return await db.transaction((tx) => flip(tx, record));
  } catch (error) {
    await lowerFence(db, request.domain);
    throw error;
  }
}

export async function rollbackInTx(
  tx: ControlTx,
  actor: string,
  request: RollbackRequest,
  extra: Record<string, unknown> = {},
): Promise<DomainRow> {
  const row = await applyChangeInTx(
    tx,
    actor,
    request.domain,
    request.reason,
    request.expectedVersion,
    async (from) => {
      if (from.state === "legacy") {
        throw new DomainError("BAD_REQUEST", `${request.domain} is already on legacy`);
      }
      return { state: "legacy", weight: 0 };
    },
    () => extra,
  );
  await tx
    .update(rolloutPlans)
    .set({ status: "rolled_back", updatedAt: sql`now()` })
    .where(
      and(
        eq(rolloutPlans.domain, request.domain),
        inArray(rolloutPlans.status, ["running", "paused"]),
      ),
    );
  return row;
}

async function applyChangeInTx(
  tx: ControlTx,
  actor: string,
  name: DomainName,
  reason: string,
  expectedVersion: number | undefined,
  plan: (from: Placement, row: DomainRow) => Promise<Placement>,
  auditExtra: () => Record<string, unknown> = () => ({}),
): Promise<DomainRow> {
  const current = await lockedDomain(tx, name, expectedVersion);
  const from: Placement = { state: current.state, weight: current.canaryWeight };
  const to = await plan(from, current);
  const [updated] = await tx
    .update(domains)
    .set({
      state: to.state,
      canaryWeight: to.weight,
      // every change of state ends a rollback's write fence, in the same transaction
      writeFence: false,
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
    after: {
      state: to.state,
      weight: to.weight,
      version: updated.version,
      reason,
      ...auditExtra(),
    },
  });
  // Delivered on commit: the gateway reloads this domain's route at once (DESIGN: within 1 s).
  await tx.execute(sql`select pg_notify(${ROUTES_CHANNEL}, ${name})`);
  return updated;
}

/**
 * The domain's row, locked until the transaction ends; a conflict when it is no longer at
 * `expectedVersion` (the version the operator saw; internal callers that hold the lock omit it).
 */
export async function lockedDomain(
  tx: ControlTx,
  name: DomainName,
  expectedVersion: number | undefined,
): Promise<DomainRow> {
  const [current] = await tx.select().from(domains).where(eq(domains.name, name)).for("update");
  if (!current) throw new DomainError("NOT_FOUND", `domain ${name} does not exist`);
  if (expectedVersion !== undefined && current.version !== expectedVersion) {
    throw staleVersion(current, expectedVersion);
  }
  return current;
}

function staleVersion(current: DomainRow, expected: number): DomainError {
  return new DomainError(
    "CONFLICT",
    `${current.name} was changed by ${current.updatedBy} at ${current.updatedAt.toISOString()} ` +
      `(version ${current.version}, you had ${expected}); reload and try again`,
  );
}
