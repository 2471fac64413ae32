import type { FastifyInstance } from "fastify";
import type { Readiness } from "@/lib/process/http-probes";

/**
 * Listens with the platform's timeouts; while the process is not ready (starting or stopping)
 * its /readyz answers 503 whatever the app's own checks say. Closing is the lifecycle's
 * (lib/process/lifecycle.ts): `app.close()` then lets requests in flight finish.
 */
export async function serve(
  app: FastifyInstance,
  where: { host: string; port: number },
  readiness: Readiness,
): Promise<void> {
  app.server.keepAliveTimeout = 65_000;
  app.server.headersTimeout = 66_000;
  app.server.requestTimeout = 30_000;
  app.addHook("onRequest", async (request, reply) => {
    if (request.routeOptions.url === "/readyz" && !readiness.ready) {
      return reply.code(503).send({ status: "not ready", reason: "stopping" });
    }
  });
  // a client told to close reconnects, through the load balancer, to a pod that is not stopping
  app.addHook("onSend", async (_request, reply) => {
    if (!readiness.ready) reply.header("connection", "close");
  });
  await app.listen(where);
}
