/**
 * The benchmark's upstream, run as a child process of bench/gateway/run.ts so it has an event
 * loop of its own: node:http with keep-alive, answering the same ~200-byte JSON body to any path.
 * Prints `{"port":N}` on stdout once listening on 127.0.0.1. GET /__bench/last-headers answers
 * the headers of the last other request (to check what a proxy forwarded); it is not timed.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";

const BODY = Buffer.from(
  JSON.stringify({
    domain: "learning",
    resource: "courses",
    items: [
      { id: "c-0001", title: "Distributed systems, an introduction", level: "beginner" },
      { id: "c-0002", title: "Strangler Fig migrations", level: "intermediate" },
    ],
    total: 2,
    page: 1,
  }),
);

const HEADERS = {
  "content-type": "application/json; charset=utf-8",
  "content-length": String(BODY.length),
};

let lastHeaders: IncomingHttpHeaders = {};

const server = createServer((request, response) => {
  if (request.url === "/__bench/last-headers") {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify(lastHeaders));
    return;
  }
  lastHeaders = request.headers;
  request.resume();
  response.writeHead(200, HEADERS);
  response.end(BODY);
});
// longer than both proxies' idle pool timeouts, so the upstream never closes a pooled connection
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;

server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no TCP address");
  console.log(JSON.stringify({ port: address.port, bodyBytes: BODY.length }));
});

const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
