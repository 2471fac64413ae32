import { and, eq, inArray, sql } from "drizzle-orm";
import type { BackfillAction } from "@/lib/contracts/data-sync";
import type { DomainName } from "@/lib/contracts/domains";
import { DATA_COMMANDS_CHANNEL } from "@/lib/data-sync/control-store";
import { recordAudit } from "@/server/audit/audit-log";
import type { ControlDb } from "@/server/db/client";
import {
  type BackfillStatus,
  dataBackfills,
  dataQuarantine,
  dataVerifications,
} from "@/server/db/schema/data-sync";
import { DomainError } from "@/server/errors";

type Tx = Parameters<Parameters<ControlDb["transaction"]>[0]>[0];

/** Which backfill states each action may start from, and where it leads. */
const ACTIONS: Record<BackfillAction, { from: readonly BackfillStatus[]; to: BackfillStatus }> = {
  start: { from: ["not_started"], to: "running" },
  pause: { from: ["running"], to: "paused" },
  resume: { from: ["paused"], to: "running" },
};

async function lockBackfill(tx: Tx, domain: DomainName) {
  await tx.insert(dataBackfills).values({ domain }).onConflictDoNothing();
  const [row] = await tx
    .select()
    .from(dataBackfills)
    .where(eq(dataBackfills.domain, domain))
    .for("update");
  if (!row) throw new DomainError("NOT_FOUND", `domain ${domain} does not exist`);
  return row;
}

async function wakeWorker(tx: Tx, domain: DomainName): Promise<void> {
  await tx.execute(sql`select pg_notify(${DATA_COMMANDS_CHANNEL}, ${domain})`);
}

/** Starts, pauses or resumes a domain's backfill (operator), audited with the actor. */
export async function commandBackfill(
  db: ControlDb,
  actor: string,
  input: { domain: DomainName; action: BackfillAction },
) {
  return db.transaction(async (tx) => {
    const row = await lockBackfill(tx, input.domain);
    const rule = ACTIONS[input.action];
    if (!rule.from.includes(row.status)) {
      throw new DomainError(
        "CONFLICT",
        `cannot ${input.action} the backfill of ${input.domain}: it is ${row.status.replace("_", " ")}`,
      );
    }
    const [updated] = await tx
      .update(dataBackfills)
      .set({
        status: rule.to,
        updatedAt: sql`now()`,
        updatedBy: actor,
        ...(input.action === "start" && { startedAt: sql`now()` }),
      })
      .where(eq(dataBackfills.domain, input.domain))
      .returning();
    await recordAudit(tx, {
      actor,
      action: `data.backfill.${input.action}`,
      target: `domain:${input.domain}`,
      before: { status: row.status, rowsCopied: row.rowsCopied },
      after: { status: rule.to },
    });
    await wakeWorker(tx, input.domain);
    return updated;
  });
}

/** Caps the backfill's speed (0: no cap), audited. */
export async function throttleBackfill(
  db: ControlDb,
  actor: string,
  input: { domain: DomainName; rowsPerSecond: number },
) {
  return db.transaction(async (tx) => {
    const row = await lockBackfill(tx, input.domain);
    await tx
      .update(dataBackfills)
      .set({ throttleRowsPerSecond: input.rowsPerSecond, updatedAt: sql`now()`, updatedBy: actor })
      .where(eq(dataBackfills.domain, input.domain));
    await recordAudit(tx, {
      actor,
      action: "data.backfill.throttle",
      target: `domain:${input.domain}`,
      before: { rowsPerSecond: row.throttleRowsPerSecond },
      after: { rowsPerSecond: input.rowsPerSecond },
    });
  });
}

/** Asks the worker to verify a domain now; one request at a time per domain. */
export async function requestVerification(db: ControlDb, actor: string, domain: DomainName) {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`verify:${domain}`}))`);
    const [waiting] = await tx
      .select({ id: dataVerifications.id })
      .from(dataVerifications)
      .where(
        and(
          eq(dataVerifications.domain, domain),
          inArray(dataVerifications.status, ["requested", "running"]),
        ),
      );
    if (waiting) return { id: waiting.id, alreadyRequested: true };
    const [created] = await tx
      .insert(dataVerifications)
      .values({ domain, requestedBy: actor })
      .returning({ id: dataVerifications.id });
    await recordAudit(tx, {
      actor,
      action: "data.verify",
      target: `domain:${domain}`,
      after: { verificationId: created?.id },
    });
    await wakeWorker(tx, domain);
    return { id: created?.id ?? 0, alreadyRequested: false };
  });
}

/** Marks quarantined changes for a retry by the worker (all open ones when `ids` is omitted). */
export async function retryQuarantined(
  db: ControlDb,
  actor: string,
  input: { domain: DomainName; ids?: number[] },
) {
  return db.transaction(async (tx) => {
    const updated = await tx
      .update(dataQuarantine)
      .set({ status: "retry_requested" })
      .where(
        and(
          eq(dataQuarantine.domain, input.domain),
          eq(dataQuarantine.status, "open"),
          input.ids ? inArray(dataQuarantine.id, input.ids) : undefined,
        ),
      )
      .returning({ id: dataQuarantine.id });
    if (updated.length === 0) {
      throw new DomainError("NOT_FOUND", `no open quarantined change of ${input.domain} to retry`);
    }
    await recordAudit(tx, {
      actor,
      action: "data.quarantine.retry",
      target: `domain:${input.domain}`,
      after: { count: updated.length, ids: updated.map((u) => u.id).slice(0, 100) },
    });
    await wakeWorker(tx, input.domain);
    return { count: updated.length };
  });
}
