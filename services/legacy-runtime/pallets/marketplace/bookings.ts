import { eq } from "drizzle-orm";
import type { EventMetadata } from "@/lib/contracts/events/envelope";
import {
  type Booking,
  type CompleteBookingBody,
  type CreateBookingBody,
  SESSION_COMPLETED_V1,
  type Session,
} from "@/lib/contracts/marketplace";
import {
  type EffectPlacement,
  effectsLegacyApplies,
  withEffectsApplied,
} from "@/lib/data-sync/placement";
import { HttpError } from "@/lib/http/http-error";
import { causedBy, emit, type LegacyDb, type LegacyTx } from "../../runtime";
import { users } from "../../schema/identity";
import { bookings, offers, sessions } from "../../schema/marketplace";
import { addToScore } from "../reputation/scores";

type BookingRow = typeof bookings.$inferSelect;
type SessionRow = typeof sessions.$inferSelect;

function toBooking(row: BookingRow): Booking {
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

function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    bookingId: row.bookingId,
    offerId: row.offerId,
    tutorId: row.tutorId,
    studentId: row.studentId,
    durationSeconds: row.durationSeconds,
    completedAt: row.completedAt.toISOString(),
  };
}

async function lockBooking(tx: LegacyTx, id: string): Promise<BookingRow> {
  const [row] = await tx.select().from(bookings).where(eq(bookings.id, id)).for("update");
  if (!row) throw new HttpError("not_found", `no booking ${id}`);
  return row;
}

function refuse(reason: string, message: string): never {
  throw new HttpError("unprocessable", message, { reason });
}

/** A registered user books an active offer of someone else, for any time (refusals in order). */
export async function createBooking(db: LegacyDb, body: CreateBookingBody): Promise<Booking> {
  return db.transaction(async (tx) => {
    // FOR SHARE: a withdrawal waits for this booking, so none lands on a withdrawn offer
    const [offer] = await tx.select().from(offers).where(eq(offers.id, body.offerId)).for("share");
    if (!offer) refuse("unknown_offer", `no offer ${body.offerId}`);
    if (offer.status !== "active") refuse("offer_withdrawn", `the offer ${offer.id} is withdrawn`);
    const [student] = await tx
      .select({ id: users.id })
      .from(users)
      .where(eq(users.id, body.studentId));
    if (!student) refuse("unknown_user", `the student ${body.studentId} is not a registered user`);
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
        status: "booked",
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

export async function getBooking(db: LegacyDb, id: string): Promise<Booking> {
  const [row] = await db.select().from(bookings).where(eq(bookings.id, id));
  if (!row) throw new HttpError("not_found", `no booking ${id}`);
  return toBooking(row);
}

/** `booked` becomes `cancelled`; a cancelled booking is answered unchanged; 409 once completed. */
export async function cancelBooking(db: LegacyDb, id: string): Promise<Booking> {
  return db.transaction(async (tx) => {
    const booking = await lockBooking(tx, id);
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
    if (!row) throw new Error(`booking ${id} vanished while cancelling`);
    return toBooking(row);
  });
}

/**
 * Records that a booked session took place: the session, the booking `completed` and
 * marketplace.SessionCompleted, and, in the same transaction while reputation is on legacy or
 * shadow, the tutor's reputation (then listed in the event's `effects_applied`).
 */
export async function completeBooking(
  db: LegacyDb,
  bookingId: string,
  body: CompleteBookingBody,
  metadata: EventMetadata,
  placement: EffectPlacement,
): Promise<Session> {
  return db.transaction(async (tx) => {
    const booking = await lockBooking(tx, bookingId);
    if (booking.status !== "booked") {
      throw new HttpError("conflict", `the booking ${bookingId} is ${booking.status}`, {
        reason: "booking_not_booked",
      });
    }
    const id = body.sessionId ?? crypto.randomUUID();
    const [row] = await tx
      .insert(sessions)
      .values({
        id,
        bookingId: booking.id,
        offerId: booking.offerId,
        tutorId: booking.tutorId,
        studentId: booking.studentId,
        durationSeconds: body.durationSeconds,
        completedAt: new Date(),
      })
      .onConflictDoNothing()
      .returning();
    if (!row) {
      throw new HttpError("conflict", `the session id ${id} is already taken`, {
        reason: "id_taken",
      });
    }
    await tx.update(bookings).set({ status: "completed" }).where(eq(bookings.id, booking.id));
    const effects = effectsLegacyApplies(placement, ["reputation"]);
    const completed = await emit(tx, SESSION_COMPLETED_V1, {
      aggregateId: row.id,
      data: {
        session_id: row.id,
        booking_id: row.bookingId,
        offer_id: row.offerId,
        tutor_id: row.tutorId,
        student_id: row.studentId,
        duration_seconds: row.durationSeconds,
        completed_at: row.completedAt.toISOString(),
      },
      metadata: withEffectsApplied(metadata, effects),
      at: row.completedAt,
    });
    if (effects.includes("reputation")) {
      await addToScore(
        tx,
        row.tutorId,
        { completedSessionCount: 1 },
        { cause: "session", causeId: row.id, at: row.completedAt, metadata: causedBy(completed) },
      );
    }
    return toSession(row);
  });
}

export async function getSession(db: LegacyDb, id: string): Promise<Session> {
  const [row] = await db.select().from(sessions).where(eq(sessions.id, id));
  if (!row) throw new HttpError("not_found", `no session ${id}`);
  return toSession(row);
}
