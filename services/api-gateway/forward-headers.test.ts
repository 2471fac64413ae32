import { describe, expect, it } from "vitest";
import {
  clientResponseHeaderList,
  readClientHeaders,
  traceContextOf,
  traceparentFor,
  UnforwardableHeaderError,
  upstreamHeaders,
} from "./forward-headers";

/** `rawHeaders` as Node's parser gives them: a flat name/value list in the client's case. */
function raw(headers: Record<string, string | string[]>): string[] {
  return Object.entries(headers).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).flatMap((one) => [name, one]),
  );
}

/** The forwarded pairs as an object (names are unique in these cases). */
function forwardedOf(headers: Record<string, string | string[]>): Record<string, string> {
  const { forwarded } = readClientHeaders(raw(headers));
  const out: Record<string, string> = {};
  for (let i = 0; i < forwarded.length; i += 2)
    out[forwarded[i] as string] = forwarded[i + 1] as string;
  return out;
}

const OWN = {
  clientIp: "203.0.113.9",
  protocol: "https",
  authorization: "Bearer service",
  traceparent: "00-aa-bb-01",
} as const;

describe("forwarded headers", () => {
  it("drop hop-by-hop headers and those the Connection header names, in any case", () => {
    expect(
      forwardedOf({
        Connection: "close, X-Private",
        "X-Private": "1",
        "keep-alive": "timeout=5",
        "Transfer-Encoding": "chunked",
        upgrade: "websocket",
        trailer: "x",
        te: "trailers",
        "proxy-authorization": "x",
        "Proxy-Authenticate": "x",
        "proxy-anything": "x",
        expect: "100-continue",
        "Content-Type": "application/json",
        "set-cookie": ["a=1", "b=2"],
      }),
    ).toEqual({ "content-type": "application/json", "set-cookie": "b=2" });
    // a repeated header reaches the upstream as Node reads it: a list as sent, a single-value
    // field once (the first), cookies on one line
    const { forwarded } = readClientHeaders([
      "Accept",
      "text/html",
      "Content-Type",
      "application/json",
      "Cookie",
      "a=1",
      "accept",
      "application/json",
      "content-type",
      "text/plain",
      "cookie",
      "b=2",
    ]);
    expect(forwarded).toEqual([
      "accept",
      "text/html",
      "content-type",
      "application/json",
      "cookie",
      "a=1; b=2",
      "accept",
      "application/json",
    ]);
  });

  it("replace what the gateway owns and append the client to X-Forwarded-For", () => {
    const client = readClientHeaders(
      raw({
        Host: "gateway.example",
        authorization: "Bearer user",
        "content-length": "10",
        "x-keiko-operator-token": "secret",
        "X-Forwarded-For": ["198.51.100.1", "198.51.100.2"],
        accept: "application/json",
      }),
    );
    expect(client.contentLength).toBe("10");
    expect(client.operatorToken).toBe("secret");
    expect(upstreamHeaders(client, OWN)).toEqual([
      "accept",
      "application/json",
      "x-forwarded-for",
      "198.51.100.1, 198.51.100.2, 203.0.113.9",
      "x-forwarded-proto",
      "https",
      "x-forwarded-host",
      "gateway.example",
      "authorization",
      "Bearer service",
      "traceparent",
      "00-aa-bb-01",
    ]);
  });

  it("drop every x-keiko-* header a client sends but x-keiko-user", () => {
    const forwarded = forwardedOf({
      "x-keiko-shadow": "1",
      "X-Keiko-Anything": "x",
      "x-keiko-force-side": "service",
      "x-keiko-operator-token": "secret",
      "x-keiko-upstream": "identity",
      "x-keiko-user": "user-42",
      "x-keikoish": "not internal",
    });
    expect(Object.keys(forwarded)).toEqual(["x-keiko-user", "x-keikoish"]);
    expect(forwarded["x-keiko-user"]).toBe("user-42");
  });

  it("refuse a header that HTTP cannot carry, naming it, before anything is sent", () => {
    const cases: Array<Record<string, string | string[]>> = [
      { "x-note": "a\r\nx-evil: 1" },
      { "X-Note": ["ok", "a\u0000b"] },
    ];
    for (const headers of cases) {
      const { problem } = readClientHeaders(raw(headers));
      expect(problem).toBeInstanceOf(UnforwardableHeaderError);
      expect(problem?.message).toMatch(/the x-note header cannot be forwarded/);
    }
    const fine = readClientHeaders(raw({ "x-note": "caf\u00e9\tok", expect: "100-continue" }));
    expect(fine.problem).toBeNull();
    expect(fine.forwarded).toEqual(["x-note", "caf\u00e9\tok"]);
  });

  it("refuse an internal header the gateway reads when it is sent twice", () => {
    for (const name of ["x-keiko-user", "X-Keiko-Force-Side", "x-keiko-operator-token"]) {
      const { problem } = readClientHeaders(raw({ [name]: ["a", "b"] }));
      expect(problem?.message).toBe(`the ${name.toLowerCase()} header must be sent at most once`);
    }
  });

  it("take a traceparent sent once, and none sent twice (W3C: invalid)", () => {
    const value = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    expect(readClientHeaders(raw({ traceparent: value })).traceparent).toBe(value);
    expect(readClientHeaders(raw({ traceparent: [value, value] })).traceparent).toBeUndefined();
  });

  it("keep an upstream's internal headers from the client", () => {
    expect(
      clientResponseHeaderList(
        [
          "X-Keiko-Upstream",
          "forged",
          "x-keiko-anything",
          "internal",
          "Proxy-Authenticate",
          "Basic",
          "Content-Type",
          "application/json",
          "Connection",
          "keep-alive, x-private",
          "X-Private",
          "1",
          "Content-Length",
          "12",
        ],
        false,
      ),
    ).toEqual(["content-type", "application/json"]);
  });

  it("continue a valid trace and restart an invalid one", () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    expect(traceContextOf(`00-${traceId}-00f067aa0ba902b7-00`)).toEqual({ traceId, flags: "00" });
    expect(traceContextOf(`01-${traceId}-00f067aa0ba902b7-01`).traceId).toBe(traceId);
    for (const bad of [
      undefined,
      "garbage",
      `ff-${traceId}-00f067aa0ba902b7-01`,
      `00-${"0".repeat(32)}-00f067aa0ba902b7-01`,
      `00-${traceId}-${"0".repeat(16)}-01`,
      `00-${traceId.toUpperCase()}-00f067aa0ba902b7-01`,
    ]) {
      const context = traceContextOf(bad);
      expect(context.traceId).not.toBe(traceId);
      expect(context).toEqual({ traceId: expect.stringMatching(/^[0-9a-f]{32}$/), flags: "01" });
    }
    const trace = traceContextOf(undefined);
    const first = traceparentFor(trace);
    const second = traceparentFor(trace);
    expect(first).toMatch(new RegExp(`^00-${trace.traceId}-[0-9a-f]{16}-01$`));
    expect(first).not.toBe(second);
  });
});
