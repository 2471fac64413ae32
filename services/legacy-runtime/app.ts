import type { FastifyInstance, FastifyRequest } from "fastify";
import { GOVERNANCE_ROUTES } from "@/lib/contracts/governance";
import { IDENTITY_ROUTES } from "@/lib/contracts/identity";
import { LEARNING_ROUTES } from "@/lib/contracts/learning";
import { MARKETPLACE_ROUTES } from "@/lib/contracts/marketplace";
import { PASSPORT_ROUTES } from "@/lib/contracts/passport";
import { REPUTATION_ROUTES } from "@/lib/contracts/reputation";
import { type EffectPlacement, LEGACY_APPLIES_EVERY_EFFECT } from "@/lib/data-sync/placement";
import { eventMetadataFrom } from "@/lib/http/event-metadata";
import { registerRouteTable } from "@/lib/http/register-route-table";
import { buildServiceApp, type ServiceAppOptions } from "@/lib/http/service-app";
import * as proposals from "./pallets/governance/proposals";
import * as users from "./pallets/identity/users";
import * as interactions from "./pallets/learning/interactions";
import { getStudentSummary } from "./pallets/learning/student-summary";
import * as bookings from "./pallets/marketplace/bookings";
import * as offers from "./pallets/marketplace/offers";
import * as passports from "./pallets/passport/entries";
import * as ratings from "./pallets/reputation/ratings";
import { getScore } from "./pallets/reputation/scores";
import { LEGACY_RUNTIME, type LegacyDb } from "./runtime";

export type LegacyRuntimeAppOptions = Omit<ServiceAppOptions, "name"> & {
  db: LegacyDb;
  validateResponses?: boolean;
  /** Which domains' cross-domain effects the runtime applies itself; default: every domain's. */
  placement?: EffectPlacement;
};

/**
 * The legacy runtime's Fastify app (not listening): the monolith stand-in, serving all six
 * domains' contracts from one database, so the gateway can send any domain's traffic here.
 */
export async function buildLegacyRuntimeApp(
  options: LegacyRuntimeAppOptions,
): Promise<FastifyInstance> {
  const { db, placement = LEGACY_APPLIES_EVERY_EFFECT } = options;
  const app = await buildServiceApp({ ...options, name: LEGACY_RUNTIME });
  const metadata = (request: FastifyRequest) => eventMetadataFrom(request, LEGACY_RUNTIME);
  const routeOptions = { validateResponses: options.validateResponses };

  registerRouteTable(
    app,
    IDENTITY_ROUTES,
    {
      registerUser: ({ body }, request) =>
        users.registerUser(db, body, metadata(request), placement),
      getUser: ({ params }) => users.getUser(db, params.userId),
      resolveDid: ({ params }) => users.resolveDid(db, params.did),
      listUsers: ({ query }) => users.listUsers(db, query),
    },
    routeOptions,
  );
  registerRouteTable(
    app,
    LEARNING_ROUTES,
    {
      createInteraction: ({ body }, request) =>
        interactions.createInteraction(db, body, metadata(request), placement),
      getInteraction: ({ params }) => interactions.getInteraction(db, params.interactionId),
      listInteractions: ({ query }) => interactions.listInteractions(db, query),
      getStudentSummary: ({ params }) => getStudentSummary(db, params.studentId),
    },
    routeOptions,
  );
  registerRouteTable(
    app,
    REPUTATION_ROUTES,
    {
      createRating: ({ body }, request) => ratings.createRating(db, body, metadata(request)),
      listRatings: ({ query }) => ratings.listRatings(db, query),
      getScore: ({ params }) => getScore(db, params.userId),
    },
    routeOptions,
  );
  registerRouteTable(
    app,
    PASSPORT_ROUTES,
    {
      getPassport: ({ params }) => passports.getPassport(db, params.userId),
      listEntries: ({ params, query }) => passports.listEntries(db, params.userId, query),
      addEntry: ({ params, body }, request) =>
        passports.addEntry(db, params.userId, body, metadata(request)),
    },
    routeOptions,
  );
  registerRouteTable(
    app,
    GOVERNANCE_ROUTES,
    {
      createProposal: ({ body }) => proposals.createProposal(db, body),
      getProposal: ({ params }) => proposals.getProposal(db, params.proposalId),
      listProposals: ({ query }) => proposals.listProposals(db, query),
      castVote: ({ params, body }) => proposals.castVote(db, params.proposalId, body),
      decideProposal: ({ params }, request) =>
        proposals.decideProposal(db, params.proposalId, metadata(request)),
    },
    routeOptions,
  );
  registerRouteTable(
    app,
    MARKETPLACE_ROUTES,
    {
      createOffer: ({ body }) => offers.createOffer(db, body),
      getOffer: ({ params }) => offers.getOffer(db, params.offerId),
      listOffers: ({ query }) => offers.listOffers(db, query),
      withdrawOffer: ({ params }) => offers.withdrawOffer(db, params.offerId),
      createBooking: ({ body }) => bookings.createBooking(db, body),
      getBooking: ({ params }) => bookings.getBooking(db, params.bookingId),
      cancelBooking: ({ params }) => bookings.cancelBooking(db, params.bookingId),
      completeBooking: ({ params, body }, request) =>
        bookings.completeBooking(db, params.bookingId, body, metadata(request), placement),
      getSession: ({ params }) => bookings.getSession(db, params.sessionId),
    },
    routeOptions,
  );
  return app;
}
