import type { FastifyInstance } from "fastify";
import { REPUTATION_ROUTES } from "@/lib/contracts/reputation";
import { eventMetadataFrom } from "@/lib/http/event-metadata";
import { registerRouteTable } from "@/lib/http/register-route-table";
import { buildServiceApp, type ServiceAppOptions } from "@/lib/http/service-app";
import { createRating, listRatings } from "./ratings";
import { getScore, type ReputationDb } from "./scores";

export type ReputationAppOptions = Omit<ServiceAppOptions, "name"> & {
  db: ReputationDb;
  validateResponses?: boolean;
};

/** The reputation service's Fastify app (not listening): ratings and scores. */
export async function buildReputationApp(options: ReputationAppOptions): Promise<FastifyInstance> {
  const { db } = options;
  const app = await buildServiceApp({ ...options, name: "reputation" });
  registerRouteTable(
    app,
    REPUTATION_ROUTES,
    {
      createRating: ({ body }, request) =>
        createRating(db, body, eventMetadataFrom(request, "reputation")),
      listRatings: ({ query }) => listRatings(db, query),
      getScore: ({ params }) => getScore(db, params.userId),
    },
    { validateResponses: options.validateResponses },
  );
  return app;
}
