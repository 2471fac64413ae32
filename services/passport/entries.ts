import { and, desc, eq } from "drizzle-orm";
import type { z } from "zod";
import { createEvent } from "@/lib/contracts/events/create-event";
import type { EventMetadata } from "@/lib/contracts/events/envelope";
import {
  type AddPassportEntryBody,
  ENTRY_ADDED_V1,
  type ListPassportEntriesQuerySchema,
  type PassportEntry,
} from "@/lib/contracts/passport";
import { afterCursor, pageOfRows } from "@/lib/db/keyset-paging";
import type { EventsTransaction } from "@/lib/events/events-database";
import { publishInTransaction } from "@/lib/events/publish";
import { HttpError } from "@/lib/http/http-error";
import { findPassport, type PassportDb, requirePassport } from "./passports";
import { outbox, passportEntries } from "./schema";

type EntryRow = typeof passportEntries.$inferSelect;
export type NewEntry = Omit<typeof passportEntries.$inferInsert, "recordedAt">;

export function toEntry(row: EntryRow): PassportEntry {
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

/** Most recent first: occurredAt descending, then id descending (ADR 0011). */
export const entryOrder = [desc(passportEntries.occurredAt), desc(passportEntries.id)] as const;

/**
 * Adds an entry to an open passport and publishes passport.EntryAdded in the same transaction.
 * Returns undefined, publishing nothing, if the id or the entry's source is already there.
 */
export async function insertEntry(
  tx: EventsTransaction,
  entry: NewEntry,
  metadata: EventMetadata,
): Promise<EntryRow | undefined> {
  const [row] = await tx.insert(passportEntries).values(entry).onConflictDoNothing().returning();
  if (!row) return undefined;
  const event = createEvent(ENTRY_ADDED_V1, {
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
    occurredAt: row.recordedAt,
  });
  await publishInTransaction(tx, event, outbox);
  return row;
}

/** A credential or achievement added over HTTP; its issuer must be a registered institution. */
export async function addEntry(
  db: PassportDb,
  userId: string,
  body: AddPassportEntryBody,
  metadata: EventMetadata,
): Promise<PassportEntry> {
  return db.transaction(async (tx) => {
    await requirePassport(tx, userId);
    if (body.issuerId !== undefined) {
      const issuer = await findPassport(tx, body.issuerId);
      if (!issuer?.roles.includes("institution")) {
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
        issuerId: body.issuerId ?? null,
        occurredAt: new Date(body.occurredAt),
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

/** A passport's entries, most recent first, keyset-paged on (occurred_at, id). */
export async function listEntries(
  db: PassportDb,
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
    .orderBy(...entryOrder)
    .limit(query.limit + 1);
  return pageOfRows(rows, query.limit, toEntry, (row) => ({
    createdAt: row.occurredAt,
    id: row.id,
  }));
}
