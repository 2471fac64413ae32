import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type Server,
} from "node:http";
import type { AddressInfo } from "node:net";
import type { ServiceClaims } from "@/lib/auth/service-claims";
import { verifyServiceToken } from "@/lib/auth/verify-service-token";
import { readBearerToken } from "@/lib/http/bearer-token";
import { testServiceKey } from "@/lib/testing/contract-target";

/** What the stub saw of one request. */
export type ReceivedRequest = {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  claims: ServiceClaims;
};

/** How the stub answers: status, delay, body (default: who answered and what was asked). */
export type StubBehaviour = {
  status?: number;
  delayMs?: number;
  body?: (request: ReceivedRequest) => unknown;
  /** Extra response headers. */
  headers?: Record<string, string>;
};

/**
 * A stand-in upstream on a free port: it verifies the service JWT it receives (HS256 with the
 * test secret, `aud` = `audience`; any other token gets a 401 and is counted) and answers JSON.
 * `kill()` drops every connection at once, like a killed process; `revive()` listens again on
 * the same port.
 */
export async function startUpstreamStub(options: { audience: string; name?: string }) {
  const name = options.name ?? options.audience;
  const received: ReceivedRequest[] = [];
  let behaviour: StubBehaviour = {};
  let refusedTokens = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let server: Server;
  let port = 0;

  const listen = async () => {
    server = createServer((request, response) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      response.on("close", () => {
        inFlight -= 1;
      });
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", async () => {
        let token: string | undefined;
        try {
          token = readBearerToken(request.headers.authorization);
        } catch {
          token = undefined;
        }
        const verified = await verifyServiceToken(token, {
          key: testServiceKey,
          audience: options.audience,
        });
        if (!verified.ok) {
          refusedTokens += 1;
          response.writeHead(401, { "content-type": "application/json" });
          response.end(JSON.stringify({ error: { code: "unauthorized", message: "bad token" } }));
          return;
        }
        const seen: ReceivedRequest = {
          method: request.method ?? "",
          url: request.url ?? "",
          headers: request.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          claims: verified.claims,
        };
        received.push(seen);
        const current = behaviour;
        if (current.delayMs) await new Promise((resolve) => setTimeout(resolve, current.delayMs));
        const body = current.body
          ? current.body(seen)
          : { answeredBy: name, method: seen.method, url: seen.url };
        if (response.destroyed) return;
        response.writeHead(current.status ?? 200, {
          "content-type": "application/json",
          ...current.headers,
        });
        response.end(JSON.stringify(body));
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  };
  await listen();

  return {
    name,
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    received,
    /** Requests whose token this stub refused (wrong audience, signature, …). */
    get refusedTokens() {
      return refusedTokens;
    },
    /** The most requests it had in progress at once (since the last reset). */
    get maxInFlight() {
      return maxInFlight;
    },
    resetMaxInFlight() {
      maxInFlight = inFlight;
    },
    behave(next: StubBehaviour) {
      behaviour = next;
    },
    /** Stops listening and resets every open connection, requests in flight included. */
    async kill() {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
    /** Listens again on the same port. */
    revive: listen,
    async close() {
      if (!server.listening) return;
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}

export type UpstreamStub = Awaited<ReturnType<typeof startUpstreamStub>>;

/** One request with node:http, which (unlike fetch) lets a test send any header, hop-by-hop too. */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string | string[]>; body?: string } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, {
      method: options.method ?? "GET",
      headers: options.headers,
    });
    outgoing.on("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
      response.on("error", reject);
    });
    outgoing.on("error", reject);
    outgoing.end(options.body);
  });
}
