import { and, count, desc, eq, sql, sum } from "drizzle-orm";
import type { z } from "zod";
import type { EventOf } from "@/lib/contracts/events/define-event";
import type { EventMetadata } from "@/lib/contracts/events/envelope";
import type { USER_REGISTERED_V1 } from "@/lib/contracts/identity";
import type { INTERACTION_CREATED_V1 } from "@/lib/contracts/learning";
import {
  type AddPassportEntryBody,
  ENTRY_ADDED_V1,
  type ListPassportEntriesQuerySchema,
  type Passport,
  type PassportEntry,
} from "@/lib/contracts/passport";
import {
  derivedId,
  interactionSourceKey,
  registrationSourceKey,
} from "@/lib/data-sync/derived-ids";
import { afterCursor, pageOfRows } from "@/lib/db/keyset-paging";
import { HttpError } from "@/lib/http/http-error";
import { causedBy, emit, type LegacyDb, type LegacyTx } from "../../runtime";
import { users } from "../../schema/identity";
import { passportEntries } from "../../schema/passport";

type EntryRow = typeof passportEntries.$inferSelect;
type NewEntry = typeof passportEntries.$inferInsert;

const TITLE_MAX = 200;
const RECENT_ENTRIES = 20;

function toEntry(row: EntryRow): PassportEntry {
  return {
    id: row.id,
    userId: row.userId,
    kind: row.kind,
    title: row.title,
    description: row.description,
    sourceEventId: row.sourceEventId,
    issuerId: row.issuerId,
    occurredAt: row.occurredAt.toISOString(),
    recordedAt: row.recordedAt.toISOString(),
  };
}

/**
 * Writes an entry and its passport.EntryAdded in `tx`; null, publishing nothing, if the id or
 * the entry's source is already there (a derived entry the passport service wrote converges).
 */
async function insertEntry(
  tx: LegacyTx,
  entry: NewEntry,
  metadata: EventMetadata,
): Promise<EntryRow | null> {
  const [row] = await tx.insert(passportEntries).values(entry).onConflictDoNothing().returning();
  if (!row) return null;
  await emit(tx, ENTRY_ADDED_V1, {
    aggregateId: row.userId,
    data: {
      entry_id: row.id,
      user_id: row.userId,
      kind: row.kind,
      title: row.title,
      source_event_id: row.sourceEventId,
      occurred_at: row.occurredAt.toISOString(),
    },
    metadata,
    at: row.recordedAt,
  });
  return row;
}

/** `<Type>: <content>`, cut to 200 characters with an ellipsis (docs/decisions/0006). */
export function interactionTitle(type: string, content: string): string {
  const title = `${type.charAt(0).toUpperCase()}${type.slice(1)}: ${content}`;
  return title.length > TITLE_MAX ? `${title.slice(0, TITLE_MAX - 1)}…` : title;
}

/** Opens a new user's passport with its registration entry, in the registration's transaction. */
export async function openPassport(
  tx: LegacyTx,
  registered: EventOf<typeof USER_REGISTERED_V1>,
): Promise<void> {
  const sourceKey = registrationSourceKey(registered.data.user_id);
  await insertEntry(
    tx,
    {
      id: derivedId(sourceKey),
      sourceKey,
      userId: registered.data.user_id,
      kind: "registration",
      title: `Registered on Keiko as ${registered.data.roles.join(", ")}`,
      description: null,
      sourceEventId: registered.event_id,
      issuerId: null,
      occurredAt: new Date(registered.data.registered_at),
    },
    causedBy(registered),
  );
}

/** Adds an interaction to the student's passport (the tutor's is unchanged), in its transaction. */
export async function addInteractionEntry(
  tx: LegacyTx,
  created: EventOf<typeof INTERACTION_CREATED_V1>,
): Promise<void> {
  const { data } = created;
  const sourceKey = interactionSourceKey(data.interaction_id);
  await insertEntry(
    tx,
    {
      id: derivedId(sourceKey),
      sourceKey,
      userId: data.student_id,
      kind: "interaction",
      title: interactionTitle(data.type, data.content),
      description: data.content,
      sourceEventId: created.event_id,
      issuerId: null,
      learningSeconds: data.duration_seconds,
      occurredAt: new Date(data.occurred_at),
    },
    causedBy(created),
  );
}

/** Whether the user has a passport, i.e. is registered; else 404. */
async function requirePassport(db: LegacyDb | LegacyTx, userId: string): Promise<void> {
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.id, userId));
  if (!user) throw new HttpError("not_found", `no passport for the user ${userId}`);
}

/** A credential or achievement, optionally vouched for by a registered institution. */
export async function addEntry(
  db: LegacyDb,
  userId: string,
  body: AddPassportEntryBody,
  metadata: EventMetadata,
): Promise<PassportEntry> {
  return db.transaction(async (tx) => {
    await requirePassport(tx, userId);
    if (body.issuerId !== undefined) {
      const [issuer] = await tx
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.id, body.issuerId), sql`'institution' = any(${users.roles})`));
      if (!issuer) {
        throw new HttpError(
          "unprocessable",
          `the issuer ${body.issuerId} is not a registered institution`,
          { reason: "issuer_not_institution" },
        );
      }
    }
    const id = body.id ?? crypto.randomUUID();
    const row = await insertEntry(
      tx,
      {
        id,
        userId,
        kind: body.kind,
        title: body.title,
        description: body.description ?? null,
        sourceEventId: null,
        issuerId: body.issuerId ?? null,
        occurredAt: new Date(body.occurredAt),
        recordedAt: new Date(),
      },
      metadata,
    );
    if (!row)
      throw new HttpError("conflict", `the entry id ${id} is already taken`, {
        reason: "id_taken",
      });
    return toEntry(row);
  });
}

const newestFirst = [desc(passportEntries.occurredAt), desc(passportEntries.id)];

/** Totals and the 20 most recent entries, from one snapshot; 404 without a passport. */
export async function getPassport(db: LegacyDb, userId: string): Promise<Passport> {
  return db.transaction(
    async (tx) => {
      await requirePassport(tx, userId);
      const [totals] = await tx
        .select({
          entries: count(),
          seconds: sum(passportEntries.learningSeconds).mapWith(Number),
        })
        .from(passportEntries)
        .where(eq(passportEntries.userId, userId));
      const recent = await tx
        .select()
        .from(passportEntries)
        .where(eq(passportEntries.userId, userId))
        .orderBy(...newestFirst)
        .limit(RECENT_ENTRIES);
      return {
        userId,
        entryCount: totals?.entries ?? 0,
        totalLearningSeconds: totals?.seconds ?? 0,
        recentEntries: recent.map(toEntry),
      };
    },
    { isolationLevel: "repeatable read", accessMode: "read only" },
  );
}

/** Most recent first (occurredAt, then id, descending); 404 without a passport. */
export async function listEntries(
  db: LegacyDb,
  userId: string,
  query: z.output<typeof ListPassportEntriesQuerySchema>,
) {
  await requirePassport(db, userId);
  const rows = await db
    .select()
    .from(passportEntries)
    .where(
      and(
        eq(passportEntries.userId, userId),
        query.kind ? eq(passportEntries.kind, query.kind) : undefined,
        afterCursor(
          query.cursor,
          { at: passportEntries.occurredAt, id: passportEntries.id },
          "newest-first",
        ),
      ),
    )
    .orderBy(...newestFirst)
    .limit(query.limit + 1);
  return pageOfRows(rows, query.limit, toEntry, (row) => ({
    createdAt: row.occurredAt,
    id: row.id,
  }));
}
