import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchema,
  FastifySchemaCompiler,
  FastifySerializerCompiler,
} from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { RouteContract, RouteInput, RouteResponse } from "@/lib/contracts/route";
import { runAsShadow } from "@/lib/db/shadow-run";
import { isShadowRequest } from "@/lib/http/shadow-request";

declare module "fastify" {
  interface FastifyContextConfig {
    /** `<domain>.<route>` of the contract the route serves, for logs and metrics. */
    contractRoute?: string;
  }
}

/** Serves one route of a contract: receives validated input, returns the success body. */
export type RouteHandler<R extends RouteContract> = (
  input: RouteInput<R>,
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<RouteResponse<R>> | RouteResponse<R>;

/** One handler per route of a route table, under the same names. */
export type RouteHandlers<T extends Record<string, RouteContract>> = {
  [K in keyof T]: RouteHandler<T[K]>;
};

export type RegisterRouteTableOptions = {
  /** Check every success body against the contract (tests); off in production for speed. */
  validateResponses?: boolean;
};

function schemaOf(route: RouteContract, validateResponses: boolean): FastifySchema {
  const schema: FastifySchema = {};
  if (route.params) schema.params = route.params;
  if (route.query) schema.querystring = route.query;
  if (route.body) schema.body = route.body;
  if (validateResponses) schema.response = { [route.status]: route.response };
  return schema;
}

/**
 * Registers every route of a contract route table on `app`: params, query and body are parsed
 * with their zod schemas (a failure is a 400 through the error handler), the route's permission
 * goes to `config.permission` for the service-auth hook, and the answer has the route's status.
 * The gateway's shadow copy runs the same handler, its database work rolled back (decision 0012).
 */
export function registerRouteTable<T extends Record<string, RouteContract>>(
  app: FastifyInstance,
  routes: T,
  handlers: RouteHandlers<T>,
  options: RegisterRouteTableOptions = {},
): void {
  const validateResponses = options.validateResponses ?? false;
  for (const [name, route] of Object.entries(routes)) {
    const handler = handlers[name] as RouteHandler<RouteContract> | undefined;
    if (!handler) throw new Error(`no handler for route ${route.domain}.${name}`);
    app.route({
      method: route.method,
      url: route.path,
      schema: schemaOf(route, validateResponses),
      validatorCompiler: validatorCompiler as FastifySchemaCompiler<FastifySchema>,
      ...(validateResponses
        ? { serializerCompiler: serializerCompiler as FastifySerializerCompiler<FastifySchema> }
        : {}),
      config: { permission: route.permission, contractRoute: `${route.domain}.${name}` },
      handler: async (request, reply) => {
        const input = {
          params: request.params,
          query: request.query,
          body: request.body,
        } as RouteInput<RouteContract>;
        const body = isShadowRequest(request)
          ? await runAsShadow(async () => handler(input, request, reply))
          : await handler(input, request, reply);
        return reply.code(route.status).send(body);
      },
    });
  }
}
