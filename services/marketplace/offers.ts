import { and, desc, eq } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { z } from "zod";
import type { CreateOfferBody, ListOffersQuerySchema, Offer } from "@/lib/contracts/marketplace";
import { afterCursor, pageOfRows } from "@/lib/db/keyset-paging";
import type { EventsDatabase, EventsTransaction } from "@/lib/events/events-database";
import { HttpError } from "@/lib/http/http-error";
import { findKnownUser } from "./known-users";
import { offers } from "./schema";

export type MarketplaceDb = NodePgDatabase;
type OfferRow = typeof offers.$inferSelect;

export function toOffer(row: OfferRow): Offer {
  return {
    id: row.id,
    tutorId: row.tutorId,
    title: row.title,
    subject: row.subject,
    description: row.description,
    durationMinutes: row.durationMinutes,
    price: { amountMinor: row.priceAmountMinor, currency: row.priceCurrency },
    status: row.status,
    createdAt: row.createdAt.toISOString(),
  };
}

/** The offer's row (locked against withdrawal in `tx` if asked), or undefined. */
export async function findOffer(db: EventsDatabase | EventsTransaction, id: string, lock = false) {
  const query = db.select().from(offers).where(eq(offers.id, id));
  const [row] = await (lock ? query.for("share") : query);
  return row;
}

/** A registered tutor offers sessions on a subject. */
export async function createOffer(db: MarketplaceDb, body: CreateOfferBody): Promise<Offer> {
  return db.transaction(async (tx) => {
    const tutor = await findKnownUser(tx, body.tutorId);
    if (!tutor) {
      throw new HttpError("unprocessable", `the tutor ${body.tutorId} is not a registered user`, {
        reason: "unknown_user",
      });
    }
    if (!tutor.roles.includes("tutor")) {
      throw new HttpError("unprocessable", `the user ${body.tutorId} is not a tutor`, {
        reason: "not_a_tutor",
      });
    }
    const id = body.id ?? crypto.randomUUID();
    const [row] = await tx
      .insert(offers)
      .values({
        id,
        tutorId: body.tutorId,
        title: body.title,
        subject: body.subject,
        description: body.description ?? null,
        durationMinutes: body.durationMinutes,
        priceAmountMinor: body.price.amountMinor,
        priceCurrency: body.price.currency,
      })
      .onConflictDoNothing()
      .returning();
    if (!row) {
      throw new HttpError("conflict", `the offer id ${id} is already taken`, {
        reason: "id_taken",
      });
    }
    return toOffer(row);
  });
}

export async function getOffer(db: MarketplaceDb, id: string): Promise<Offer> {
  const row = await findOffer(db, id);
  if (!row) throw new HttpError("not_found", `no offer ${id}`);
  return toOffer(row);
}

/** Withdraws an offer; withdrawing it again changes nothing. Bookings stay as they are. */
export async function withdrawOffer(db: MarketplaceDb, id: string): Promise<Offer> {
  const [row] = await db
    .update(offers)
    .set({ status: "withdrawn" })
    .where(eq(offers.id, id))
    .returning();
  if (!row) throw new HttpError("not_found", `no offer ${id}`);
  return toOffer(row);
}

/** Newest first, keyset-paged on (created_at, id), filtered by tutor, exact subject and status. */
export async function listOffers(db: MarketplaceDb, query: z.output<typeof ListOffersQuerySchema>) {
  const rows = await db
    .select()
    .from(offers)
    .where(
      and(
        query.tutorId ? eq(offers.tutorId, query.tutorId) : undefined,
        query.subject ? eq(offers.subject, query.subject) : undefined,
        query.status ? eq(offers.status, query.status) : undefined,
        afterCursor(query.cursor, { at: offers.createdAt, id: offers.id }, "newest-first"),
      ),
    )
    .orderBy(desc(offers.createdAt), desc(offers.id))
    .limit(query.limit + 1);
  return pageOfRows(rows, query.limit, toOffer, (row) => row);
}
