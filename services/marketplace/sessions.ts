import { eq } from "drizzle-orm";
import { createEvent } from "@/lib/contracts/events/create-event";
import type { EventMetadata } from "@/lib/contracts/events/envelope";
import {
  type CompleteBookingBody,
  SESSION_COMPLETED_V1,
  type Session,
} from "@/lib/contracts/marketplace";
import { publishInTransaction } from "@/lib/events/publish";
import { HttpError } from "@/lib/http/http-error";
import { requireBooking } from "./bookings";
import type { MarketplaceDb } from "./offers";
import { bookings, outbox, sessions } from "./schema";

type SessionRow = typeof sessions.$inferSelect;

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

/**
 * Records that a booked session took place: the session, the booking's `completed` status and
 * marketplace.SessionCompleted commit together. Only a `booked` booking can be completed (409).
 */
export async function completeBooking(
  db: MarketplaceDb,
  bookingId: string,
  body: CompleteBookingBody,
  metadata: EventMetadata,
): Promise<Session> {
  return db.transaction(async (tx) => {
    const booking = await requireBooking(tx, bookingId, true);
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
        bookingId,
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
    await tx.update(bookings).set({ status: "completed" }).where(eq(bookings.id, bookingId));
    const event = createEvent(SESSION_COMPLETED_V1, {
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
      metadata,
      occurredAt: row.completedAt,
    });
    await publishInTransaction(tx, event, outbox);
    return toSession(row);
  });
}

export async function getSession(db: MarketplaceDb, id: string): Promise<Session> {
  const [row] = await db.select().from(sessions).where(eq(sessions.id, id));
  if (!row) throw new HttpError("not_found", `no session ${id}`);
  return toSession(row);
}
