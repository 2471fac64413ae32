import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { DomainName } from "@/lib/contracts/domains";
import type { RolloutPlan } from "@/lib/contracts/guard";
import type { StartRolloutInput } from "@/lib/contracts/rollout";
import { recordAudit } from "@/server/audit/audit-log";
import { DEFAULT_FENCE } from "@/server/data/write-fence";
import type { ControlDb } from "@/server/db/client";
import { domains } from "@/server/db/schema/migration";
import { rolloutPlans } from "@/server/db/schema/rollout";
import { DomainError } from "@/server/errors";
import {
  type ControlTx,
  rollbackInTx,
  transitionInTx,
  withRollbackFence,
} from "@/server/migration/migration-service";
import type { ParityLookup } from "@/server/migration/parity-gate";

type PlanRow = typeof rolloutPlans.$inferSelect;
type Reader = Pick<ControlDb, "select">;

function toPlan(row: PlanRow): RolloutPlan {
  return {
    id: row.id,
    domain: row.domain,
    steps: row.steps,
    holdSeconds: row.holdSeconds,
    currentStep: row.currentStep,
    status: row.status,
    stepStartedAt: row.stepStartedAt,
    createdBy: row.createdBy,
  };
}

/** The plan in flight (running or paused) of a domain, or null. */
export async function activePlan(db: Reader, domain: DomainName): Promise<RolloutPlan | null> {
  const [row] = await db
    .select()
    .from(rolloutPlans)
    .where(
      and(eq(rolloutPlans.domain, domain), inArray(rolloutPlans.status, ["running", "paused"])),
    );
  return row ? toPlan(row) : null;
}

/** Every domain's plan in flight, keyed by domain. */
export async function activePlans(db: Reader): Promise<Map<DomainName, RolloutPlan>> {
  const rows = await db
    .select()
    .from(rolloutPlans)
    .where(inArray(rolloutPlans.status, ["running", "paused"]));
  return new Map(rows.map((row) => [row.domain, toPlan(row)]));
}

/** A domain's plans, newest first. */
export async function planHistory(db: Reader, domain: DomainName, limit = 10) {
  const rows = await db
    .select()
    .from(rolloutPlans)
    .where(eq(rolloutPlans.domain, domain))
    .orderBy(desc(rolloutPlans.createdAt))
    .limit(limit);
  return rows.map(toPlan);
}

async function lockActive(tx: ControlTx, domain: DomainName): Promise<PlanRow> {
  const [row] = await tx
    .select()
    .from(rolloutPlans)
    .where(
      and(eq(rolloutPlans.domain, domain), inArray(rolloutPlans.status, ["running", "paused"])),
    )
    .for("update");
  if (!row) throw new DomainError("NOT_FOUND", `${domain} has no rollout in progress`);
  return row;
}

/**
 * Starts a rollout: the domain goes to canary at the first step (from shadow, through the parity
 * gate) and the plan is stored, in one transaction.
 */
export async function startRollout(
  db: ControlDb,
  actor: string,
  input: StartRolloutInput,
  parity: ParityLookup,
): Promise<RolloutPlan> {
  return db.transaction(async (tx) => {
    const [domain] = await tx.select().from(domains).where(eq(domains.name, input.domain));
    if (!domain) throw new DomainError("NOT_FOUND", `domain ${input.domain} does not exist`);
    if (domain.state !== "shadow" && domain.state !== "canary") {
      throw new DomainError(
        "BAD_REQUEST",
        `a rollout starts from shadow or canary; ${input.domain} is ${domain.state}`,
      );
    }
    const first = input.steps[0] as number;
    if (!(domain.state === "canary" && domain.canaryWeight === first)) {
      await transitionInTx(
        tx,
        actor,
        {
          domain: input.domain,
          to: "canary",
          weight: first,
          reason: `rollout step 1/${input.steps.length}: ${input.reason}`,
          expectedVersion: input.expectedVersion,
        },
        parity,
      );
    }
    const [row] = await tx
      .insert(rolloutPlans)
      .values({
        domain: input.domain,
        steps: input.steps,
        holdSeconds: input.holdSeconds,
        createdBy: actor,
      })
      .onConflictDoNothing()
      .returning();
    if (!row)
      throw new DomainError("CONFLICT", `${input.domain} already has a rollout in progress`);
    await recordAudit(tx, {
      actor,
      action: "rollout.start",
      target: `domain:${input.domain}`,
      after: {
        planId: row.id,
        steps: row.steps,
        holdSeconds: row.holdSeconds,
        reason: input.reason,
      },
    });
    return toPlan(row);
  });
}

/** Moves a plan to its next step (or to migrated after the last), by an operator or the guard. */
export async function promoteRollout(
  db: ControlDb,
  actor: string,
  input: { domain: DomainName; reason: string; planId?: string; fromStep?: number },
): Promise<RolloutPlan> {
  return db.transaction(async (tx) => {
    const plan = await lockActive(tx, input.domain);
    if (input.planId !== undefined && plan.id !== input.planId) {
      throw new DomainError("CONFLICT", `the rollout of ${input.domain} is not ${input.planId}`);
    }
    if (input.fromStep !== undefined && plan.currentStep !== input.fromStep) {
      throw new DomainError(
        "CONFLICT",
        `the rollout of ${input.domain} is at step ${plan.currentStep + 1}, not ${input.fromStep + 1}`,
      );
    }
    const next = plan.currentStep + 1;
    const last = next >= plan.steps.length;
    const label = last
      ? `rollout complete after ${plan.steps.length} steps`
      : `rollout step ${next + 1}/${plan.steps.length}`;
    await transitionInTx(tx, actor, {
      domain: input.domain,
      to: last ? "migrated" : "canary",
      weight: last ? undefined : plan.steps[next],
      reason: `${label}: ${input.reason}`,
    });
    const [row] = await tx
      .update(rolloutPlans)
      .set({
        currentStep: last ? plan.currentStep : next,
        status: last ? "completed" : plan.status,
        stepStartedAt: sql`now()`,
        updatedAt: sql`now()`,
      })
      .where(eq(rolloutPlans.id, plan.id))
      .returning();
    await recordAudit(tx, {
      actor,
      action: "rollout.promote",
      target: `domain:${input.domain}`,
      before: { step: plan.currentStep, weight: plan.steps[plan.currentStep] },
      after: { step: row?.currentStep, status: row?.status, reason: input.reason },
    });
    return toPlan(row as PlanRow);
  });
}

/** Pause (the guard stops promoting) or resume (the current hold starts again). */
export async function setRolloutPaused(
  db: ControlDb,
  actor: string,
  input: { domain: DomainName; reason: string },
  paused: boolean,
): Promise<RolloutPlan> {
  return db.transaction(async (tx) => {
    const plan = await lockActive(tx, input.domain);
    if ((plan.status === "paused") === paused) {
      throw new DomainError(
        "BAD_REQUEST",
        `the rollout of ${input.domain} is already ${plan.status}`,
      );
    }
    const [row] = await tx
      .update(rolloutPlans)
      .set({
        status: paused ? "paused" : "running",
        ...(paused ? {} : { stepStartedAt: sql`now()` }),
        updatedAt: sql`now()`,
      })
      .where(eq(rolloutPlans.id, plan.id))
      .returning();
    await recordAudit(tx, {
      actor,
      action: paused ? "rollout.pause" : "rollout.resume",
      target: `domain:${input.domain}`,
      after: { planId: plan.id, step: plan.currentStep, reason: input.reason },
    });
    return toPlan(row as PlanRow);
  });
}

/** Abort: the plan stops and the domain goes back to legacy, in one transaction. */
export async function abortRollout(
  db: ControlDb,
  actor: string,
  input: { domain: DomainName; reason: string },
): Promise<RolloutPlan> {
  return withRollbackFence(db, input, DEFAULT_FENCE, async (tx, fence) => {
    const plan = await lockActive(tx, input.domain);
    await rollbackInTx(
      tx,
      actor,
      { domain: input.domain, reason: `rollout aborted: ${input.reason}` },
      { fence },
    );
    const [row] = await tx
      .update(rolloutPlans)
      .set({ status: "aborted", updatedAt: sql`now()` })
      .where(eq(rolloutPlans.id, plan.id))
      .returning();
    await recordAudit(tx, {
      actor,
      action: "rollout.abort",
      target: `domain:${input.domain}`,
      after: { planId: plan.id, step: plan.currentStep, reason: input.reason },
    });
    return toPlan(row as PlanRow);
  });
}
