import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { consoleEnv } from "@/lib/config/console";
import { serviceCaller } from "@/server/auth/service-caller";
import { requestOperator } from "@/server/auth/session-operator";
import { controlDb } from "@/server/db/control-db";
import { eventBus } from "@/server/events/event-bus";
import { checkOrigin } from "@/server/http/origin-check";
import { guardTrpcRequest } from "@/server/http/request-limits";
import { appRouter } from "@/server/routers/index";
import { createContext } from "@/server/trpc";
import { requestWallAccess } from "@/server/wall/wall-cookie";

async function handler(incoming: Request) {
  const foreign = checkOrigin(incoming, consoleEnv().NEXTAUTH_URL);
  if (foreign) return foreign;
  const request = await guardTrpcRequest(incoming);
  if (request instanceof Response) return request;
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    createContext: async () => ({
      ...createContext(
        controlDb(),
        eventBus(),
        await requestOperator(request),
        await serviceCaller(request),
        request.headers.get("traceparent"),
      ),
      wall: await requestWallAccess(controlDb(), request, consoleEnv().secureCookies),
    }),
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR")
        console.error(`tRPC ${path}:`, error.cause ?? error);
    },
  });
}

export { handler as GET, handler as POST };
