import { and, asc, eq } from "drizzle-orm";
import type { z } from "zod";
import type { EventMetadata } from "@/lib/contracts/events/envelope";
import type { CreateRatingBody, ListRatingsQuerySchema, Rating } from "@/lib/contracts/reputation";
import { afterCursor, pageOfRows } from "@/lib/db/keyset-paging";
import { HttpError } from "@/lib/http/http-error";
import type { LegacyDb } from "../../runtime";
import { ratings } from "../../schema/reputation";
import { addToScore } from "./scores";

type RatingRow = typeof ratings.$inferSelect;

function toRating(row: RatingRow): Rating {
  return {
    id: row.id,
    raterId: row.raterId,
    subjectId: row.subjectId,
    stars: row.stars,
    comment: row.comment,
    sessionId: row.sessionId,
    interactionId: row.interactionId,
    createdAt: row.createdAt.toISOString(),
  };
}

/** Records a rating and recomputes the subject's score in the same transaction. */
export async function createRating(
  db: LegacyDb,
  body: CreateRatingBody,
  metadata: EventMetadata,
): Promise<Rating> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(ratings)
      .values({
        id: body.id ?? crypto.randomUUID(),
        raterId: body.raterId,
        subjectId: body.subjectId,
        stars: body.stars,
        comment: body.comment ?? null,
        sessionId: body.sessionId ?? null,
        interactionId: body.interactionId ?? null,
      })
      .onConflictDoNothing()
      .returning();
    if (!row) throw new HttpError("conflict", `a rating ${body.id} already exists`);
    await addToScore(
      tx,
      row.subjectId,
      { ratingCount: 1, starSum: row.stars },
      { cause: "rating", causeId: row.id, at: row.createdAt, metadata },
    );
    return toRating(row);
  });
}

/** Oldest first, keyset-paged on (created_at, id). */
export async function listRatings(db: LegacyDb, query: z.output<typeof ListRatingsQuerySchema>) {
  const rows = await db
    .select()
    .from(ratings)
    .where(
      and(
        query.subjectId ? eq(ratings.subjectId, query.subjectId) : undefined,
        query.raterId ? eq(ratings.raterId, query.raterId) : undefined,
        afterCursor(query.cursor, { at: ratings.createdAt, id: ratings.id }, "oldest-first"),
      ),
    )
    .orderBy(asc(ratings.createdAt), asc(ratings.id))
    .limit(query.limit + 1);
  return pageOfRows(rows, query.limit, toRating, (row) => row);
}
