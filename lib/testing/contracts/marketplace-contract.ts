import { describe, expect, it } from "vitest";
import type { UserRole } from "@/lib/contracts/identity";
import {
  type CreateBookingBody,
  type CreateOfferBody,
  MARKETPLACE_ROUTES,
  type Offer,
} from "@/lib/contracts/marketplace";
import { callRoute } from "@/lib/http/call-route";
import { type ContractTarget, tokenFor } from "@/lib/testing/contract-target";

/** A user the target must know before it may offer or book. */
export type MarketplaceSeedUser = { id: string; roles: UserRole[] };

/**
 * How a target comes to know users. The marketplace learns them from `identity.UserRegistered`:
 * the service's test delivers that event to its handler, the legacy runtime's test registers them
 * through its identity API. They may become known asynchronously: the suite waits.
 */
export type MarketplaceContractSeed = {
  ensureUsers: (users: readonly MarketplaceSeedUser[]) => Promise<void>;
};

const poll = { timeout: 10_000, interval: 100 };

function reasonOf(result: unknown): unknown {
  return (result as { body?: { error?: { details?: { reason?: unknown } } } }).body?.error?.details
    ?.reason;
}

/**
 * The marketplace contract (rules: docs/decisions/0006), run against whatever serves it (the
 * marketplace service or the legacy runtime): the same requests must get answers of the same
 * shape and meaning.
 */
export function marketplaceContract(target: () => ContractTarget, seed: MarketplaceContractSeed) {
  const call = async <R extends (typeof MARKETPLACE_ROUTES)[keyof typeof MARKETPLACE_ROUTES]>(
    route: R,
    request: Parameters<typeof callRoute<R>>[2],
  ) =>
    callRoute(target().baseUrl, route, request, {
      token: await tokenFor(target(), ["marketplace:read", "marketplace:write"]),
    });

  /** Repeats `attempt` while the target does not know a user yet (422 `unknown_user`). */
  async function whileUnknown<T>(attempt: () => Promise<T>): Promise<T> {
    let result: T | undefined;
    await expect
      .poll(async () => {
        result = await attempt();
        return reasonOf(result);
      }, poll)
      .not.toBe("unknown_user");
    return result as T;
  }

  const offerBody = (tutorId: string, overrides: Partial<CreateOfferBody> = {}) => ({
    tutorId,
    title: "Algebra for beginners",
    subject: "mathematics",
    durationMinutes: 60,
    price: { amountMinor: 4_500, currency: "EUR" },
    ...overrides,
  });

  async function offered(body: CreateOfferBody): Promise<Offer> {
    const created = await whileUnknown(() => call(MARKETPLACE_ROUTES.createOffer, { body }));
    if (created.kind !== "success") throw new Error(`no offer: ${JSON.stringify(created)}`);
    return created.body;
  }

  const book = (body: CreateBookingBody) =>
    whileUnknown(() => call(MARKETPLACE_ROUTES.createBooking, { body }));

  async function booked(body: CreateBookingBody) {
    const created = await book(body);
    if (created.kind !== "success") throw new Error(`no booking: ${JSON.stringify(created)}`);
    return created.body;
  }

  /** A tutor with an active offer, and a student; both known to the target. */
  async function tutorAndStudent() {
    const tutorId = crypto.randomUUID();
    const studentId = crypto.randomUUID();
    await seed.ensureUsers([
      { id: tutorId, roles: ["tutor"] },
      { id: studentId, roles: ["student"] },
    ]);
    const offer = await offered(offerBody(tutorId));
    return { tutorId, studentId, offer };
  }

  const scheduledAt = "2027-03-01T15:00:00.000Z";

  describe("marketplace contract", () => {
    it("lets a tutor create an offer and reads it back; refuses its id twice", async () => {
      const tutorId = crypto.randomUUID();
      await seed.ensureUsers([{ id: tutorId, roles: ["student", "tutor"] }]);
      const id = crypto.randomUUID();
      const body = offerBody(tutorId, { id, description: "Equations, step by step." });
      const created = await offered(body);
      expect(created).toMatchObject({ ...body, status: "active" });
      const read = await call(MARKETPLACE_ROUTES.getOffer, { params: { offerId: id } });
      expect(read).toMatchObject({ kind: "success", status: 200, body: created });
      const bare = await offered(offerBody(tutorId));
      expect(bare.description).toBeNull();
      expect(await call(MARKETPLACE_ROUTES.createOffer, { body })).toMatchObject({
        kind: "error",
        status: 409,
        body: { error: { code: "conflict", details: { reason: "id_taken" } } },
      });
    });

    it("refuses offers by unknown users and by users who are not tutors", async () => {
      const unknown = await call(MARKETPLACE_ROUTES.createOffer, {
        body: offerBody(crypto.randomUUID()),
      });
      expect(unknown).toMatchObject({
        kind: "error",
        status: 422,
        body: { error: { code: "unprocessable", details: { reason: "unknown_user" } } },
      });
      const studentId = crypto.randomUUID();
      await seed.ensureUsers([{ id: studentId, roles: ["student", "institution"] }]);
      const student = await whileUnknown(() =>
        call(MARKETPLACE_ROUTES.createOffer, { body: offerBody(studentId) }),
      );
      expect(student).toMatchObject({
        kind: "error",
        status: 422,
        body: { error: { details: { reason: "not_a_tutor" } } },
      });
      const badPrice = await call(MARKETPLACE_ROUTES.createOffer, {
        body: offerBody(studentId, { price: { amountMinor: 10, currency: "eur" } }),
      });
      expect(badPrice).toMatchObject({ kind: "error", status: 400 });
      const missing = await call(MARKETPLACE_ROUTES.getOffer, {
        params: { offerId: crypto.randomUUID() },
      });
      expect(missing).toMatchObject({ kind: "error", status: 404 });
    });

    it("lists offers newest first, by tutor, subject and status; withdraws idempotently", async () => {
      const tutorId = crypto.randomUUID();
      await seed.ensureUsers([{ id: tutorId, roles: ["tutor"] }]);
      const subject = `subject-${crypto.randomUUID()}`;
      const first = await offered(offerBody(tutorId, { subject }));
      const second = await offered(offerBody(tutorId, { subject, title: "Geometry" }));
      const third = await offered(offerBody(tutorId, { subject: "physics" }));
      const withdrawn = await call(MARKETPLACE_ROUTES.withdrawOffer, {
        params: { offerId: second.id },
      });
      expect(withdrawn).toMatchObject({
        kind: "success",
        status: 200,
        body: { ...second, status: "withdrawn" },
      });
      expect(
        await call(MARKETPLACE_ROUTES.withdrawOffer, { params: { offerId: second.id } }),
      ).toEqual(withdrawn);
      expect(
        await call(MARKETPLACE_ROUTES.withdrawOffer, { params: { offerId: crypto.randomUUID() } }),
      ).toMatchObject({ kind: "error", status: 404 });

      const seen: Offer[] = [];
      let cursor: string | undefined;
      do {
        const page = await call(MARKETPLACE_ROUTES.listOffers, {
          query: { tutorId, limit: 2, cursor },
        });
        expect(page.kind).toBe("success");
        if (page.kind !== "success") return;
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items);
        cursor = page.body.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toHaveLength(3);
      // newest first: createdAt descending, ties by id descending
      const newestFirst = [...seen].sort(
        (a, b) =>
          Date.parse(b.createdAt) - Date.parse(a.createdAt) ||
          (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
      );
      expect(seen.map((o) => o.id)).toEqual(newestFirst.map((o) => o.id));
      expect(new Set(seen.map((o) => o.id))).toEqual(new Set([first.id, second.id, third.id]));

      const bySubject = await call(MARKETPLACE_ROUTES.listOffers, { query: { subject } });
      expect(bySubject.kind === "success" && bySubject.body.items.map((o) => o.id).sort()).toEqual(
        [first.id, second.id].sort(),
      );
      const active = await call(MARKETPLACE_ROUTES.listOffers, {
        query: { subject, status: "active" },
      });
      expect(active.kind === "success" && active.body.items.map((o) => o.id)).toEqual([first.id]);
      const otherCase = await call(MARKETPLACE_ROUTES.listOffers, {
        query: { subject: subject.toUpperCase() },
      });
      expect(otherCase.kind === "success" && otherCase.body.items).toEqual([]);
    });

    it("books an offer and cancels the booking idempotently", async () => {
      const { tutorId, studentId, offer } = await tutorAndStudent();
      const id = crypto.randomUUID();
      const booking = await booked({ id, offerId: offer.id, studentId, scheduledAt });
      expect(booking).toMatchObject({
        id,
        offerId: offer.id,
        tutorId,
        studentId,
        scheduledAt,
        status: "booked",
      });
      const params = { bookingId: id };
      expect(await call(MARKETPLACE_ROUTES.getBooking, { params })).toMatchObject({
        kind: "success",
        body: booking,
      });
      const cancelled = await call(MARKETPLACE_ROUTES.cancelBooking, { params });
      expect(cancelled).toMatchObject({
        kind: "success",
        status: 200,
        body: { ...booking, status: "cancelled" },
      });
      expect(await call(MARKETPLACE_ROUTES.cancelBooking, { params })).toEqual(cancelled);
      const complete = await call(MARKETPLACE_ROUTES.completeBooking, {
        params,
        body: { durationSeconds: 600 },
      });
      expect(complete).toMatchObject({
        kind: "error",
        status: 409,
        body: { error: { code: "conflict", details: { reason: "booking_not_booked" } } },
      });
    });

    it("refuses bookings of unknown or withdrawn offers, by unknown users or the tutor", async () => {
      const { tutorId, studentId, offer } = await tutorAndStudent();
      const first = await booked({ offerId: offer.id, studentId, scheduledAt });
      const refusals: Array<[CreateBookingBody, string]> = [
        [{ offerId: crypto.randomUUID(), studentId, scheduledAt }, "unknown_offer"],
        [{ offerId: offer.id, studentId: crypto.randomUUID(), scheduledAt }, "unknown_user"],
        [{ offerId: offer.id, studentId: tutorId, scheduledAt }, "own_offer"],
      ];
      for (const [body, reason] of refusals) {
        expect(await call(MARKETPLACE_ROUTES.createBooking, { body })).toMatchObject({
          kind: "error",
          status: 422,
          body: { error: { code: "unprocessable", details: { reason } } },
        });
      }
      expect(
        await call(MARKETPLACE_ROUTES.createBooking, {
          body: { id: first.id, offerId: offer.id, studentId, scheduledAt },
        }),
      ).toMatchObject({
        kind: "error",
        status: 409,
        body: { error: { details: { reason: "id_taken" } } },
      });
      await call(MARKETPLACE_ROUTES.withdrawOffer, { params: { offerId: offer.id } });
      expect(
        await call(MARKETPLACE_ROUTES.createBooking, {
          body: { offerId: offer.id, studentId, scheduledAt },
        }),
      ).toMatchObject({
        kind: "error",
        status: 422,
        body: { error: { details: { reason: "offer_withdrawn" } } },
      });
      expect(
        await call(MARKETPLACE_ROUTES.getBooking, { params: { bookingId: crypto.randomUUID() } }),
      ).toMatchObject({ kind: "error", status: 404 });
    });

    it("completes a booked session once, even after the offer is withdrawn", async () => {
      const { tutorId, studentId, offer } = await tutorAndStudent();
      const booking = await booked({ offerId: offer.id, studentId, scheduledAt });
      await call(MARKETPLACE_ROUTES.withdrawOffer, { params: { offerId: offer.id } });
      const sessionId = crypto.randomUUID();
      const params = { bookingId: booking.id };
      const completed = await call(MARKETPLACE_ROUTES.completeBooking, {
        params,
        body: { sessionId, durationSeconds: 3_600 },
      });
      expect(completed).toMatchObject({
        kind: "success",
        status: 201,
        body: {
          id: sessionId,
          bookingId: booking.id,
          offerId: offer.id,
          tutorId,
          studentId,
          durationSeconds: 3_600,
        },
      });
      if (completed.kind !== "success") return;
      expect(await call(MARKETPLACE_ROUTES.getSession, { params: { sessionId } })).toMatchObject({
        kind: "success",
        body: completed.body,
      });
      expect(await call(MARKETPLACE_ROUTES.getBooking, { params })).toMatchObject({
        kind: "success",
        body: { status: "completed" },
      });
      expect(
        await call(MARKETPLACE_ROUTES.completeBooking, { params, body: { durationSeconds: 60 } }),
      ).toMatchObject({
        kind: "error",
        status: 409,
        body: { error: { details: { reason: "booking_not_booked" } } },
      });
      expect(await call(MARKETPLACE_ROUTES.cancelBooking, { params })).toMatchObject({
        kind: "error",
        status: 409,
        body: { error: { details: { reason: "booking_completed" } } },
      });

      const other = await tutorAndStudent();
      const otherBooking = await booked({
        offerId: other.offer.id,
        studentId: other.studentId,
        scheduledAt,
      });
      expect(
        await call(MARKETPLACE_ROUTES.completeBooking, {
          params: { bookingId: otherBooking.id },
          body: { sessionId, durationSeconds: 60 },
        }),
      ).toMatchObject({
        kind: "error",
        status: 409,
        body: { error: { details: { reason: "id_taken" } } },
      });
      expect(
        await call(MARKETPLACE_ROUTES.getBooking, { params: { bookingId: otherBooking.id } }),
      ).toMatchObject({ kind: "success", body: { status: "booked" } });
      expect(
        await call(MARKETPLACE_ROUTES.getSession, { params: { sessionId: crypto.randomUUID() } }),
      ).toMatchObject({ kind: "error", status: 404 });
    });
  });
}
