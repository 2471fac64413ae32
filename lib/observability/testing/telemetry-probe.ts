/**
 * A tiny traced process for the telemetry tests: an HTTP server whose handler logs one pino line
 * (loggerOptions), run with the preload. It prints one JSON line at start: its port and what the
 * preload installed (tracer provider, propagator fields, whether node:http is patched, which
 * OpenTelemetry modules are loaded), so a test can tell "tracing on" from "nothing registered".
 */

import http from "node:http";
import { createRequire } from "node:module";
import { propagation, trace } from "@opentelemetry/api";
import pino from "pino";
import { loggerOptions } from "@/lib/observability/logger";

const logger = pino(loggerOptions("telemetry-probe", "info"));
const server = http.createServer((request, response) => {
  logger.info({ path: request.url }, "handled a request");
  response.writeHead(200, { "content-type": "application/json" }).end("{}");
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  const provider = trace.getTracerProvider() as { getDelegate?: () => object };
  const loaded = Object.keys(createRequire(import.meta.url).cache).filter((file) =>
    /@opentelemetry[\\/](sdk-node|instrumentation)|import-in-the-middle|require-in-the-middle/.test(
      file,
    ),
  );
  console.log(
    JSON.stringify({
      port: typeof address === "object" && address ? address.port : null,
      tracerProvider: provider.getDelegate?.().constructor.name ?? "unknown",
      propagatorFields: propagation.fields(),
      httpPatched: "__wrapped" in http.request || "__wrapped" in http.Server.prototype.emit,
      otelModulesLoaded: loaded.length,
    }),
  );
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
