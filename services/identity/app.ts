import type { FastifyInstance } from "fastify";
import { IDENTITY_ROUTES } from "@/lib/contracts/identity";
import { eventMetadataFrom } from "@/lib/http/event-metadata";
import { registerRouteTable } from "@/lib/http/register-route-table";
import { buildServiceApp, type ServiceAppOptions } from "@/lib/http/service-app";
import { getUser, type IdentityDb, listUsers, registerUser, resolveDid } from "./users";

export type IdentityAppOptions = Omit<ServiceAppOptions, "name"> & {
  db: IdentityDb;
  validateResponses?: boolean;
};

/** The identity service's Fastify app (not listening): users and their DIDs. */
export async function buildIdentityApp(options: IdentityAppOptions): Promise<FastifyInstance> {
  const { db } = options;
  const app = await buildServiceApp({ ...options, name: "identity" });
  registerRouteTable(
    app,
    IDENTITY_ROUTES,
    {
      registerUser: ({ body }, request) =>
        registerUser(db, body, eventMetadataFrom(request, "identity")),
      getUser: ({ params }) => getUser(db, params.userId),
      resolveDid: ({ params }) => resolveDid(db, params.did),
      listUsers: ({ query }) => listUsers(db, query),
    },
    { validateResponses: options.validateResponses },
  );
  return app;
}
