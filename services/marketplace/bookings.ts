import { eq } from "drizzle-orm";
import type { Booking, CreateBookingBody } from "@/lib/contracts/marketplace";
import type { EventsDatabase, EventsTransaction } from "@/lib/events/events-database";
import { HttpError } from "@/lib/http/http-error";
import { findKnownUser } from "./known-users";
import { findOffer, type MarketplaceDb } from "./offers";
import { bookings } from "./schema";

export type BookingRow = typeof bookings.$inferSelect;

export function toBooking(row: BookingRow): Booking {
  return {
    id: row.id,
    offerId: row.offerId,
    tutorId: row.tutorId,
    studentId: row.studentId,
    scheduledAt: row.scheduledAt.toISOString(),
    status: row.status,
    createdAt: row.createdAt.toISOString(),
  };
}

/** The booking's row, locked for update in `tx` if asked; 404 if there is none. */
export async function requireBooking(
  db: EventsDatabase | EventsTransaction,
  id: string,
  lock = false,
): Promise<BookingRow> {
  const query = db.select().from(bookings).where(eq(bookings.id, id));
  const [row] = await (lock ? query.for("update") : query);
  if (!row) throw new HttpError("not_found", `no booking ${id}`);
  return row;
}

function refuse(reason: string, message: string): never {
  throw new HttpError("unprocessable", message, { reason });
}

/** A registered student books an active offer of another user (ADR 0011: refusals in order). */
export async function createBooking(db: MarketplaceDb, body: CreateBookingBody): Promise<Booking> {
  return db.transaction(async (tx) => {
    // FOR SHARE: a withdrawal waits for this booking, so no booking lands on a withdrawn offer
    const offer = await findOffer(tx, body.offerId, true);
    if (!offer) refuse("unknown_offer", `no offer ${body.offerId}`);
    if (offer.status !== "active") refuse("offer_withdrawn", `the offer ${offer.id} is withdrawn`);
    if (!(await findKnownUser(tx, body.studentId))) {
      refuse("unknown_user", `the student ${body.studentId} is not a registered user`);
    }
    if (body.studentId === offer.tutorId)
      refuse("own_offer", "a tutor cannot book their own offer");
    const id = body.id ?? crypto.randomUUID();
    const [row] = await tx
      .insert(bookings)
      .values({
        id,
        offerId: offer.id,
        tutorId: offer.tutorId,
        studentId: body.studentId,
        scheduledAt: new Date(body.scheduledAt),
      })
      .onConflictDoNothing()
      .returning();
    if (!row) {
      throw new HttpError("conflict", `the booking id ${id} is already taken`, {
        reason: "id_taken",
      });
    }
    return toBooking(row);
  });
}

export async function getBooking(db: MarketplaceDb, id: string): Promise<Booking> {
  return toBooking(await requireBooking(db, id));
}

/** Cancels a booked session; cancelling again changes nothing; a completed one is a 409. */
export async function cancelBooking(db: MarketplaceDb, id: string): Promise<Booking> {
  return db.transaction(async (tx) => {
    const booking = await requireBooking(tx, id, true);
    if (booking.status === "completed") {
      throw new HttpError("conflict", `the booking ${id} is completed and cannot be cancelled`, {
        reason: "booking_completed",
      });
    }
    if (booking.status === "cancelled") return toBooking(booking);
    const [row] = await tx
      .update(bookings)
      .set({ status: "cancelled" })
      .where(eq(bookings.id, id))
      .returning();
    return toBooking(row ?? booking);
  });
}
