import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";
import { answerProbe, type Readiness } from "./http-probes";
import { closeServer, listen } from "./http-server";

export type AdminServer = { port: number; close: () => Promise<void> };

/**
 * A worker's admin server: workers serve no API, but Kubernetes probes /healthz and /readyz and
 * Prometheus scrapes /metrics (the process registry). Anything else is 404.
 */
export async function startAdminServer(options: {
  host: string;
  port: number;
  readiness: Readiness;
  registry: Registry;
}): Promise<AdminServer> {
  const server: Server = createServer((request, response) => {
    if (answerProbe(request, response, options.readiness, options.registry)) return;
    response.writeHead(404, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: "not found" }));
  });
  const port = await listen(server, options.port, options.host);
  return { port, close: () => closeServer(server, 1_000) };
}
