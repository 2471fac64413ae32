import type { IncomingMessage, ServerResponse } from "node:http";
import type { Registry } from "prom-client";

/** What a probe needs to know of the process: whether it takes traffic right now. */
export type Readiness = { readonly ready: boolean };

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  response.end(body);
}

/**
 * Answers GET /healthz (200 while the process lives), /readyz (200 when started and not stopping,
 * else 503) and, given a registry, /metrics; returns false for any other request.
 */
export function answerProbe(
  request: IncomingMessage,
  response: ServerResponse,
  readiness: Readiness,
  registry?: Registry,
): boolean {
  const path = (request.url ?? "/").split("?")[0];
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  if (path === "/healthz") {
    send(response, 200, "application/json", JSON.stringify({ status: "ok" }));
  } else if (path === "/readyz") {
    const ready = readiness.ready;
    send(
      response,
      ready ? 200 : 503,
      "application/json",
      JSON.stringify({ status: ready ? "ready" : "not ready" }),
    );
  } else if (path === "/metrics" && registry) {
    registry.metrics().then(
      (text) => send(response, 200, registry.contentType, text),
      (error: unknown) => send(response, 500, "text/plain", String(error)),
    );
  } else {
    return false;
  }
  return true;
}
