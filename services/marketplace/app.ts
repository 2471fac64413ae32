import type { FastifyInstance } from "fastify";
import { MARKETPLACE_ROUTES } from "@/lib/contracts/marketplace";
import { eventMetadataFrom } from "@/lib/http/event-metadata";
import { registerRouteTable } from "@/lib/http/register-route-table";
import { buildServiceApp, type ServiceAppOptions } from "@/lib/http/service-app";
import { cancelBooking, createBooking, getBooking } from "./bookings";
import { createOffer, getOffer, listOffers, type MarketplaceDb, withdrawOffer } from "./offers";
import { completeBooking, getSession } from "./sessions";

export type MarketplaceAppOptions = Omit<ServiceAppOptions, "name"> & {
  db: MarketplaceDb;
  validateResponses?: boolean;
};

/** The marketplace service's Fastify app (not listening): tutoring offers, bookings, sessions. */
export async function buildMarketplaceApp(
  options: MarketplaceAppOptions,
): Promise<FastifyInstance> {
  const { db } = options;
  const app = await buildServiceApp({ ...options, name: "marketplace" });
  registerRouteTable(
    app,
    MARKETPLACE_ROUTES,
    {
      createOffer: ({ body }) => createOffer(db, body),
      getOffer: ({ params }) => getOffer(db, params.offerId),
      listOffers: ({ query }) => listOffers(db, query),
      withdrawOffer: ({ params }) => withdrawOffer(db, params.offerId),
      createBooking: ({ body }) => createBooking(db, body),
      getBooking: ({ params }) => getBooking(db, params.bookingId),
      cancelBooking: ({ params }) => cancelBooking(db, params.bookingId),
      completeBooking: ({ params, body }, request) =>
        completeBooking(db, params.bookingId, body, eventMetadataFrom(request, "marketplace")),
      getSession: ({ params }) => getSession(db, params.sessionId),
    },
    { validateResponses: options.validateResponses },
  );
  return app;
}
