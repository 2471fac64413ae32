/**
 * The bare Node peer of the gateway (issue 11): node:http in front of one undici keep-alive Pool,
 * streaming both ways, no features (no routing, token, trace, breaker, statistics or metrics).
 * Child process of run.ts: `UPSTREAM=http://127.0.0.1:N node --import tsx bench/gateway/bare-proxy.ts`
 * prints `{"port":N}` once listening on 127.0.0.1.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type Dispatcher, Pool } from "undici";

const upstream = process.env.UPSTREAM ?? "";
const pool = new Pool(upstream, { connections: 128, pipelining: 1, keepAliveTimeout: 30_000 });

/** Headers undici refuses or that are hop-by-hop. */
const DROPPED = new Set([
  "connection",
  "keep-alive",
  "upgrade",
  "transfer-encoding",
  "host",
  "expect",
  "te",
]);

/** Streams the upstream's answer into the client's response as it arrives. */
class PassThrough implements Dispatcher.DispatchHandler {
  constructor(private readonly response: ServerResponse) {}
  onConnect(): void {}
  onHeaders(status: number, raw: Buffer[], resume: () => void): boolean {
    const headers: string[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      const name = (raw[i] as Buffer).toString("latin1");
      if (DROPPED.has(name.toLowerCase())) continue;
      headers.push(name, (raw[i + 1] as Buffer).toString("latin1"));
    }
    this.response.writeHead(status, headers);
    this.response.on("drain", resume);
    return true;
  }
  onData(chunk: Buffer): boolean {
    return this.response.write(chunk);
  }
  onComplete(): void {
    this.response.end();
  }
  onError(): void {
    if (this.response.headersSent) this.response.destroy();
    else {
      this.response.writeHead(502);
      this.response.end();
    }
  }
}

const server = createServer((request: IncomingMessage, response: ServerResponse) => {
  const headers: string[] = [];
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (!DROPPED.has((raw[i] as string).toLowerCase()))
      headers.push(raw[i] as string, raw[i + 1] as string);
  }
  const hasBody =
    request.headers["content-length"] !== undefined ||
    request.headers["transfer-encoding"] !== undefined;
  pool.dispatch(
    {
      method: request.method as Dispatcher.HttpMethod,
      path: request.url ?? "/",
      headers,
      body: hasBody ? request : undefined,
    },
    new PassThrough(response),
  );
});
server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no TCP address");
  console.log(JSON.stringify({ port: address.port }));
});
const stop = () => {
  server.closeAllConnections();
  server.close(() => void pool.close().finally(() => process.exit(0)));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
