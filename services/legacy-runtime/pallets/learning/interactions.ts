import { and, asc, eq, inArray } from "drizzle-orm";
import type { z } from "zod";
import type { EventMetadata } from "@/lib/contracts/events/envelope";
import {
  type CreateInteractionBody,
  INTERACTION_CREATED_V1,
  type Interaction,
  type ListInteractionsQuerySchema,
} from "@/lib/contracts/learning";
import {
  type EffectPlacement,
  effectsLegacyApplies,
  withEffectsApplied,
} from "@/lib/data-sync/placement";
import { afterCursor, pageOfRows } from "@/lib/db/keyset-paging";
import { HttpError } from "@/lib/http/http-error";
import { causedBy, emit, type LegacyDb, type LegacyTx } from "../../runtime";
import { users } from "../../schema/identity";
import { interactions } from "../../schema/learning";
import { addInteractionEntry } from "../passport/entries";
import { addToScore } from "../reputation/scores";

type InteractionRow = typeof interactions.$inferSelect;

function toInteraction(row: InteractionRow): Interaction {
  return {
    id: row.id,
    type: row.type,
    content: row.content,
    durationSeconds: row.durationSeconds,
    tutorId: row.tutorId,
    studentId: row.studentId,
    occurredAt: row.occurredAt.toISOString(),
    createdAt: row.createdAt.toISOString(),
  };
}

/** Which of `userIds` are not registered, in the order given. */
async function unregistered(tx: LegacyTx, userIds: readonly string[]): Promise<string[]> {
  const rows = await tx
    .select({ id: users.id })
    .from(users)
    .where(inArray(users.id, [...userIds]));
  const registered = new Set(rows.map((row) => row.id));
  return userIds.filter((id) => !registered.has(id));
}

/**
 * Records an interaction between two registered users (else 422, naming the unknown ones) and, in
 * the same transaction, counts it towards the tutor's reputation and adds it to the student's
 * passport, each while its domain is on legacy or shadow: the monolith does synchronously what
 * the new services do by events. The event lists the effects applied in `effects_applied`.
 */
export async function createInteraction(
  db: LegacyDb,
  body: CreateInteractionBody,
  metadata: EventMetadata,
  placement: EffectPlacement,
): Promise<Interaction> {
  return db.transaction(async (tx) => {
    const unknown = await unregistered(tx, [body.tutorId, body.studentId]);
    if (unknown.length > 0) {
      const roles = unknown.map((id) => (id === body.tutorId ? "tutor" : "student"));
      throw new HttpError(
        "unprocessable",
        `unknown ${roles.join(" and ")}: ${unknown.join(", ")}`,
        {
          reason: "unknown_user",
          unknownUserIds: unknown,
        },
      );
    }
    const [row] = await tx
      .insert(interactions)
      .values({
        id: body.id ?? crypto.randomUUID(),
        type: body.type,
        content: body.content,
        durationSeconds: body.durationSeconds,
        tutorId: body.tutorId,
        studentId: body.studentId,
        occurredAt: body.occurredAt ? new Date(body.occurredAt) : new Date(),
      })
      .onConflictDoNothing()
      .returning();
    if (!row) throw new HttpError("conflict", `an interaction ${body.id} already exists`);
    const effects = effectsLegacyApplies(placement, ["reputation", "passport"]);
    const created = await emit(tx, INTERACTION_CREATED_V1, {
      aggregateId: row.id,
      data: {
        interaction_id: row.id,
        type: row.type,
        content: row.content,
        duration_seconds: row.durationSeconds,
        tutor_id: row.tutorId,
        student_id: row.studentId,
        occurred_at: row.occurredAt.toISOString(),
      },
      metadata: withEffectsApplied(metadata, effects),
      at: row.createdAt,
    });
    if (effects.includes("reputation")) {
      await addToScore(
        tx,
        row.tutorId,
        { interactionCount: 1 },
        { cause: "interaction", causeId: row.id, at: row.createdAt, metadata: causedBy(created) },
      );
    }
    if (effects.includes("passport")) await addInteractionEntry(tx, created);
    return toInteraction(row);
  });
}

export async function getInteraction(db: LegacyDb, id: string): Promise<Interaction> {
  const [row] = await db.select().from(interactions).where(eq(interactions.id, id));
  if (!row) throw new HttpError("not_found", `no interaction ${id}`);
  return toInteraction(row);
}

/** Oldest first (by the time they were recorded), keyset-paged on (created_at, id). */
export async function listInteractions(
  db: LegacyDb,
  query: z.output<typeof ListInteractionsQuerySchema>,
) {
  const rows = await db
    .select()
    .from(interactions)
    .where(
      and(
        query.studentId ? eq(interactions.studentId, query.studentId) : undefined,
        query.tutorId ? eq(interactions.tutorId, query.tutorId) : undefined,
        query.type ? eq(interactions.type, query.type) : undefined,
        afterCursor(
          query.cursor,
          { at: interactions.createdAt, id: interactions.id },
          "oldest-first",
        ),
      ),
    )
    .orderBy(asc(interactions.createdAt), asc(interactions.id))
    .limit(query.limit + 1);
  return pageOfRows(rows, query.limit, toInteraction, (row) => row);
}
