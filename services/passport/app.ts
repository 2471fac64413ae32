import type { FastifyInstance } from "fastify";
import { PASSPORT_ROUTES } from "@/lib/contracts/passport";
import { eventMetadataFrom } from "@/lib/http/event-metadata";
import { registerRouteTable } from "@/lib/http/register-route-table";
import { buildServiceApp, type ServiceAppOptions } from "@/lib/http/service-app";
import { addEntry, listEntries } from "./entries";
import { getPassport } from "./passport-view";
import type { PassportDb } from "./passports";

export type PassportAppOptions = Omit<ServiceAppOptions, "name"> & {
  db: PassportDb;
  validateResponses?: boolean;
};

/** The passport service's Fastify app (not listening): each user's life-learning passport. */
export async function buildPassportApp(options: PassportAppOptions): Promise<FastifyInstance> {
  const { db } = options;
  const app = await buildServiceApp({ ...options, name: "passport" });
  registerRouteTable(
    app,
    PASSPORT_ROUTES,
    {
      getPassport: ({ params }) => getPassport(db, params.userId),
      listEntries: ({ params, query }) => listEntries(db, params.userId, query),
      addEntry: ({ params, body }, request) =>
        addEntry(db, params.userId, body, eventMetadataFrom(request, "passport")),
    },
    { validateResponses: options.validateResponses },
  );
  return app;
}
