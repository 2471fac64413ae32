/**
 * The console's control plane for the fault drill: the real tRPC route handler of
 * app/api/trpc/[trpc]/route.ts (origin check, request limits, sessions, service callers) served
 * by plain Node on PORT, so the drill needs no `next build`. Next.js' own layers (middleware,
 * pages, next-auth's routes) are not part of it. `/readyz` answers 200 once listening.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { GET, POST } from "@/app/api/trpc/[trpc]/route";

const port = Number(process.env.PORT);

function toRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  const bodyless = req.method === "GET" || req.method === "HEAD";
  return new Request(`http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`, {
    method: req.method,
    headers,
    body: bodyless ? undefined : (Readable.toWeb(req) as ReadableStream<Uint8Array>),
    // @ts-expect-error Node's fetch needs duplex for a streamed body; the DOM types lack it
    duplex: "half",
  });
}

async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? "/";
  if (url === "/readyz") {
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    return;
  }
  if (!url.startsWith("/api/trpc/")) {
    res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
    return;
  }
  const request = toRequest(req);
  const response = await (req.method === "POST" ? POST(request) : GET(request));
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  res.writeHead(response.status, headers);
  res.end(Buffer.from(await response.arrayBuffer()));
}

const server = createServer((req, res) => {
  serve(req, res).catch((error: unknown) => {
    console.error("console-route:", error);
    if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
    res.end('{"error":"internal"}');
  });
});
server.listen(port, "127.0.0.1", () => console.log(`console-route listening on ${port}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
