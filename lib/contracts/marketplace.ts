import { z } from "zod";
import { defineEvent } from "@/lib/contracts/events/define-event";
import { PageQuerySchema, pageOf } from "@/lib/contracts/pagination";
import { IdSchema, TimestampSchema, textSchema } from "@/lib/contracts/primitives";
import { defineRoute } from "@/lib/contracts/route";

/** A price in minor units (cents) of an ISO 4217 currency. */
export const PriceSchema = z.object({
  amountMinor: z
    .number({ error: "amountMinor must be a number of cents" })
    .int("amountMinor must be a whole number of cents")
    .min(0, "amountMinor cannot be negative")
    .max(100_000_00, "amountMinor can be at most 10000000"),
  currency: z.string().regex(/^[A-Z]{3}$/, "currency must be an ISO 4217 code such as EUR"),
});
export type Price = z.infer<typeof PriceSchema>;

export const OFFER_STATUSES = ["active", "withdrawn"] as const;
export const OfferStatusSchema = z.enum(OFFER_STATUSES);

/** A tutor's offer of sessions on a subject. */
export const OfferSchema = z.object({
  id: IdSchema,
  tutorId: IdSchema,
  title: z.string(),
  subject: z.string(),
  description: z.string().nullable(),
  durationMinutes: z.number().int().positive(),
  price: PriceSchema,
  status: OfferStatusSchema,
  createdAt: TimestampSchema,
});
export type Offer = z.infer<typeof OfferSchema>;

export const CreateOfferBodySchema = z.strictObject({
  id: IdSchema.optional(),
  tutorId: IdSchema,
  title: textSchema("title", 200),
  subject: textSchema("subject", 100),
  description: textSchema("description", 5_000).optional(),
  durationMinutes: z
    .number({ error: "durationMinutes must be a number" })
    .int("durationMinutes must be a whole number")
    .min(15, "durationMinutes must be at least 15")
    .max(480, "durationMinutes can be at most 480"),
  price: PriceSchema,
});
export type CreateOfferBody = z.infer<typeof CreateOfferBodySchema>;

/** `booked` → `completed` (a session exists) or `cancelled`; both are final. */
export const BOOKING_STATUSES = ["booked", "cancelled", "completed"] as const;
export const BookingStatusSchema = z.enum(BOOKING_STATUSES);

export const BookingSchema = z.object({
  id: IdSchema,
  offerId: IdSchema,
  tutorId: IdSchema,
  studentId: IdSchema,
  scheduledAt: TimestampSchema,
  status: BookingStatusSchema,
  createdAt: TimestampSchema,
});
export type Booking = z.infer<typeof BookingSchema>;

/** Booking an own offer, a withdrawn offer or an unknown student is a 422. */
export const CreateBookingBodySchema = z.strictObject({
  id: IdSchema.optional(),
  offerId: IdSchema,
  studentId: IdSchema,
  scheduledAt: TimestampSchema,
});
export type CreateBookingBody = z.infer<typeof CreateBookingBodySchema>;

/** A tutoring session that took place. */
export const SessionSchema = z.object({
  id: IdSchema,
  bookingId: IdSchema,
  offerId: IdSchema,
  tutorId: IdSchema,
  studentId: IdSchema,
  durationSeconds: z.number().int().positive(),
  completedAt: TimestampSchema,
});
export type Session = z.infer<typeof SessionSchema>;

/** Completing a booking that is not `booked` is a 409. */
export const CompleteBookingBodySchema = z.strictObject({
  sessionId: IdSchema.optional(),
  durationSeconds: z
    .number({ error: "durationSeconds must be a number of seconds" })
    .int("durationSeconds must be a whole number of seconds")
    .min(1, "durationSeconds must be at least 1")
    .max(86_400, "durationSeconds can be at most 86400 (one day)"),
});
export type CompleteBookingBody = z.infer<typeof CompleteBookingBodySchema>;

export const OfferParamsSchema = z.object({ offerId: IdSchema });
export const BookingParamsSchema = z.object({ bookingId: IdSchema });
export const SessionParamsSchema = z.object({ sessionId: IdSchema });
export const ListOffersQuerySchema = PageQuerySchema.extend({
  tutorId: IdSchema.optional(),
  subject: z.string().trim().min(1).max(100).optional(),
  status: OfferStatusSchema.optional(),
});

/** HTTP API of the marketplace domain. */
export const MARKETPLACE_ROUTES = {
  createOffer: defineRoute({
    domain: "marketplace",
    method: "POST",
    path: "/api/marketplace/v1/offers",
    summary: "A tutor offers sessions; 422 if the user is not a tutor",
    body: CreateOfferBodySchema,
    status: 201,
    response: OfferSchema,
    permission: "marketplace:write",
    volatileFields: ["id", "createdAt"],
  }),
  getOffer: defineRoute({
    domain: "marketplace",
    method: "GET",
    path: "/api/marketplace/v1/offers/:offerId",
    summary: "One offer by id",
    params: OfferParamsSchema,
    status: 200,
    response: OfferSchema,
    permission: "marketplace:read",
    volatileFields: ["id", "createdAt"],
  }),
  listOffers: defineRoute({
    domain: "marketplace",
    method: "GET",
    path: "/api/marketplace/v1/offers",
    summary: "Offers, newest first, filtered by tutor, subject or status",
    query: ListOffersQuerySchema,
    status: 200,
    response: pageOf(OfferSchema),
    permission: "marketplace:read",
    volatileFields: ["items.*.id", "items.*.createdAt", "nextCursor"],
  }),
  withdrawOffer: defineRoute({
    domain: "marketplace",
    method: "POST",
    path: "/api/marketplace/v1/offers/:offerId/withdrawal",
    summary: "Withdraw an offer (idempotent); existing bookings stay",
    params: OfferParamsSchema,
    status: 200,
    response: OfferSchema,
    permission: "marketplace:write",
    volatileFields: ["id", "createdAt"],
  }),
  createBooking: defineRoute({
    domain: "marketplace",
    method: "POST",
    path: "/api/marketplace/v1/bookings",
    summary: "A student books an offer for a time",
    body: CreateBookingBodySchema,
    status: 201,
    response: BookingSchema,
    permission: "marketplace:write",
    volatileFields: ["id", "createdAt"],
  }),
  getBooking: defineRoute({
    domain: "marketplace",
    method: "GET",
    path: "/api/marketplace/v1/bookings/:bookingId",
    summary: "One booking by id",
    params: BookingParamsSchema,
    status: 200,
    response: BookingSchema,
    permission: "marketplace:read",
    volatileFields: ["id", "createdAt"],
  }),
  cancelBooking: defineRoute({
    domain: "marketplace",
    method: "POST",
    path: "/api/marketplace/v1/bookings/:bookingId/cancellation",
    summary: "Cancel a booked session (idempotent); 409 once completed",
    params: BookingParamsSchema,
    status: 200,
    response: BookingSchema,
    permission: "marketplace:write",
    volatileFields: ["id", "createdAt"],
  }),
  completeBooking: defineRoute({
    domain: "marketplace",
    method: "POST",
    path: "/api/marketplace/v1/bookings/:bookingId/completion",
    summary: "Record that a booked session took place",
    params: BookingParamsSchema,
    body: CompleteBookingBodySchema,
    status: 201,
    response: SessionSchema,
    permission: "marketplace:write",
    volatileFields: ["id", "completedAt"],
  }),
  getSession: defineRoute({
    domain: "marketplace",
    method: "GET",
    path: "/api/marketplace/v1/sessions/:sessionId",
    summary: "One completed session by id",
    params: SessionParamsSchema,
    status: 200,
    response: SessionSchema,
    permission: "marketplace:read",
    volatileFields: ["id", "completedAt"],
  }),
} as const;

export const SessionCompletedDataSchema = z.object({
  session_id: IdSchema,
  booking_id: IdSchema,
  offer_id: IdSchema,
  tutor_id: IdSchema,
  student_id: IdSchema,
  duration_seconds: z.number().int().positive(),
  completed_at: TimestampSchema,
});
export type SessionCompletedData = z.infer<typeof SessionCompletedDataSchema>;

/** A tutoring session was completed; aggregate: the session. */
export const SESSION_COMPLETED_V1 = defineEvent({
  type: "marketplace.SessionCompleted",
  version: 1,
  aggregateType: "session",
  summary: "A booked tutoring session took place",
  data: SessionCompletedDataSchema,
});
