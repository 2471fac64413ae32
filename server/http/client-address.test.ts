import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CLIENT_ADDRESS_HEADER,
  clientAddressOf,
  compileTrust,
  installClientAddressHook,
  resolveClientAddress,
} from "./client-address";

// A real HTTP server, as `next start` runs one: the hook stamps requests before the handler.
let url: string;
let seen: IncomingMessage[] = [];
const server = createServer((request, response) => {
  seen.push(request);
  response.end(String(request.headers[CLIENT_ADDRESS_HEADER]));
});

beforeAll(async () => {
  installClientAddressHook([]);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function send(headers: Record<string, string>) {
  seen = [];
  const answer = await (await fetch(url, { headers })).text();
  return { answer, request: seen[0] as IncomingMessage };
}

describe("client address", () => {
  it("is the connection's peer; spoofed X-Forwarded-For and our own header are overwritten", async () => {
    const { answer } = await send({
      "x-forwarded-for": "203.0.113.66",
      [CLIENT_ADDRESS_HEADER]: "203.0.113.77",
    });
    expect(answer).toBe("127.0.0.1");
    expect(clientAddressOf(new Headers({ [CLIENT_ADDRESS_HEADER]: answer }))).toBe("127.0.0.1");
  });

  it("behind a trusted proxy, is the nearest address the proxy was given", async () => {
    const { request } = await send({ "x-forwarded-for": "203.0.113.66, 198.51.100.5" });
    expect(resolveClientAddress(request, compileTrust(["loopback"]))).toBe("198.51.100.5");
    expect(resolveClientAddress(request, compileTrust(["loopback", "198.51.100.0/24"]))).toBe(
      "203.0.113.66",
    );
    expect(resolveClientAddress(request, compileTrust([]))).toBe("127.0.0.1");
  });

  it("is `unknown` where nothing stamped it", () => {
    expect(clientAddressOf(new Headers())).toBe("unknown");
  });
});
