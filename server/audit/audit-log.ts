import { and, desc, eq, gte, ilike, lt, lte, type SQL } from "drizzle-orm";
import type { ControlDb } from "@/server/db/client";
import { auditLog } from "@/server/db/schema/audit";
import { currentTraceId } from "@/server/timeline/request-trace";

/** A transaction or the database itself: audit rows are written inside the caller's transaction. */
type Writer = Pick<ControlDb, "insert">;

export type AuditEntry = {
  actor: string;
  action: string;
  target: string;
  before?: unknown;
  after?: unknown;
  /** The request's trace id; the one of the request being served unless told. */
  traceId?: string | null;
};

/** Appends one audit row; call it in the same transaction as the change it records. */
export async function recordAudit(tx: Writer, entry: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values({
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    before: entry.before ?? null,
    after: entry.after ?? null,
    traceId: entry.traceId === undefined ? currentTraceId() : entry.traceId,
  });
}

export type AuditFilter = {
  actor?: string;
  action?: string;
  target?: string;
  from?: Date;
  to?: Date;
  /** Keyset cursor: return rows older than this id. */
  cursor?: number;
  limit: number;
};

/** Newest first, keyset-paged by id so that deep pages stay as fast as the first. */
export async function listAudit(db: ControlDb, filter: AuditFilter) {
  const conditions: SQL[] = [];
  if (filter.actor) conditions.push(eq(auditLog.actor, filter.actor));
  if (filter.action) conditions.push(eq(auditLog.action, filter.action));
  if (filter.target) conditions.push(ilike(auditLog.target, `%${escapeLike(filter.target)}%`));
  if (filter.from) conditions.push(gte(auditLog.at, filter.from));
  if (filter.to) conditions.push(lte(auditLog.at, filter.to));
  if (filter.cursor !== undefined) conditions.push(lt(auditLog.id, filter.cursor));
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(desc(auditLog.id))
    .limit(filter.limit + 1);
  const hasMore = rows.length > filter.limit;
  const items = hasMore ? rows.slice(0, filter.limit) : rows;
  return { items, nextCursor: hasMore ? items[items.length - 1]?.id : undefined };
}

/** Distinct actors and actions, for the filter menus. */
export async function auditFacets(db: ControlDb) {
  const actors = await db
    .selectDistinct({ v: auditLog.actor })
    .from(auditLog)
    .orderBy(auditLog.actor);
  const actions = await db
    .selectDistinct({ v: auditLog.action })
    .from(auditLog)
    .orderBy(auditLog.action);
  return { actors: actors.map((r) => r.v), actions: actions.map((r) => r.v) };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
