import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Operator } from "@/lib/contracts/operators";
import { recordAudit } from "@/server/audit/audit-log";
import type { ControlDb } from "@/server/db/client";
import { operatorSessions, operators } from "@/server/db/schema/operators";

/** A transaction or the database itself. */
type Writer = Pick<ControlDb, "update">;

/** Why a session ended; kept on the row and in the audit trail. */
export type SessionEndReason =
  | "sign-out"
  | "password-reset"
  | "role-change"
  | "disabled"
  | "enabled";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Opens a session for `operator` that expires after `maxAgeSeconds`; returns its id. */
export async function startSession(
  db: ControlDb,
  operator: Pick<Operator, "id" | "username">,
  options: { maxAgeSeconds: number; clientAddress: string; via: "password" | "oidc" },
): Promise<string> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(operatorSessions)
      .values({
        operatorId: operator.id,
        expiresAt: sql`now() + make_interval(secs => ${options.maxAgeSeconds})`,
        clientAddress: options.clientAddress,
      })
      .returning({ id: operatorSessions.id });
    if (!row) throw new Error("could not open a session");
    // long-gone sessions of this operator go as a new one starts; the audit trail keeps them
    await tx.execute(
      sql`delete from operator_sessions where operator_id = ${operator.id}
          and expires_at < now() - interval '30 days'`,
    );
    await recordAudit(tx, {
      actor: operator.username,
      action: "session.start",
      target: `operator:${operator.username}`,
      after: { session: row.id, via: options.via, clientAddress: options.clientAddress },
    });
    return row.id;
  });
}

/**
 * The operator of an open session: the session neither ended nor expired, its operator enabled.
 * One indexed lookup per request, so sign-out, a reset or a disable end it on the next request.
 */
export async function findSessionOperator(
  db: ControlDb,
  sessionId: string,
): Promise<Operator | null> {
  if (!UUID.test(sessionId)) return null;
  const [row] = await db
    .select({
      id: operators.id,
      username: operators.username,
      displayName: operators.displayName,
      role: operators.role,
    })
    .from(operatorSessions)
    .innerJoin(operators, eq(operators.id, operatorSessions.operatorId))
    .where(
      and(
        eq(operatorSessions.id, sessionId),
        isNull(operatorSessions.endedAt),
        gt(operatorSessions.expiresAt, sql`now()`),
        eq(operators.disabled, false),
      ),
    );
  return row ?? null;
}

/** Ends one session (sign-out), audited with its operator as the actor. */
export async function endSession(db: ControlDb, sessionId: string): Promise<boolean> {
  if (!UUID.test(sessionId)) return false;
  return db.transaction(async (tx) => {
    const [ended] = await tx
      .update(operatorSessions)
      .set({ endedAt: sql`now()`, endReason: "sign-out" })
      .where(and(eq(operatorSessions.id, sessionId), isNull(operatorSessions.endedAt)))
      .returning({ operatorId: operatorSessions.operatorId });
    if (!ended) return false;
    const [owner] = await tx
      .select({ username: operators.username })
      .from(operators)
      .where(eq(operators.id, ended.operatorId));
    const username = owner?.username ?? ended.operatorId;
    await recordAudit(tx, {
      actor: username,
      action: "session.end",
      target: `operator:${username}`,
      after: { session: sessionId, reason: "sign-out" },
    });
    return true;
  });
}

/**
 * Ends every open session of an operator, inside the caller's transaction (which audits the
 * change that caused it). Returns how many were ended.
 */
export async function endOperatorSessions(
  tx: Writer,
  operatorId: string,
  reason: SessionEndReason,
): Promise<number> {
  const ended = await tx
    .update(operatorSessions)
    .set({ endedAt: sql`now()`, endReason: reason })
    .where(and(eq(operatorSessions.operatorId, operatorId), isNull(operatorSessions.endedAt)))
    .returning({ id: operatorSessions.id });
  return ended.length;
}
