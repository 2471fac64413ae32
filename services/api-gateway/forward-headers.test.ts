import { describe, expect, it } from "vitest";
import {
  clientResponseHeaders,
  endToEndHeaders,
  traceContextOf,
  traceparentFor,
  UnforwardableHeaderError,
  upstreamRequestHeaders,
  withoutHopByHop,
} from "./forward-headers";

describe("forwarded headers", () => {
  it("drop hop-by-hop headers and those the Connection header names", () => {
    expect(
      withoutHopByHop({
        Connection: "close, X-Private",
        "x-private": "1",
        "keep-alive": "timeout=5",
        "transfer-encoding": "chunked",
        upgrade: "websocket",
        trailer: "x",
        te: "trailers",
        "proxy-authorization": "x",
        "proxy-authenticate": "x",
        "proxy-anything": "x",
        expect: "100-continue",
        "content-type": "application/json",
        "set-cookie": ["a=1", "b=2"],
      }),
    ).toEqual({ "content-type": "application/json", "set-cookie": ["a=1", "b=2"] });
  });

  it("replace what the gateway owns and append the client to X-Forwarded-For", () => {
    const headers = upstreamRequestHeaders(
      {
        host: "gateway.example",
        authorization: "Bearer user",
        "content-length": "10",
        "x-keiko-operator-token": "secret",
        "x-forwarded-for": ["198.51.100.1", "198.51.100.2"],
        accept: "application/json",
      },
      {
        clientIp: "203.0.113.9",
        protocol: "https",
        host: "gateway.example",
        authorization: "Bearer service",
        traceparent: "00-aa-bb-01",
      },
    );
    expect(headers).toEqual({
      accept: "application/json",
      authorization: "Bearer service",
      traceparent: "00-aa-bb-01",
      "x-forwarded-for": "198.51.100.1, 198.51.100.2, 203.0.113.9",
      "x-forwarded-proto": "https",
      "x-forwarded-host": "gateway.example",
    });
  });

  it("drop every x-keiko-* header a client sends but x-keiko-user", () => {
    const headers = upstreamRequestHeaders(
      {
        "x-keiko-shadow": "1",
        "X-Keiko-Anything": "x",
        "x-keiko-force-side": "service",
        "x-keiko-operator-token": "secret",
        "x-keiko-upstream": "identity",
        "x-keiko-user": "user-42",
        "x-keikoish": "not internal",
      },
      {
        clientIp: "203.0.113.9",
        protocol: "http",
        host: undefined,
        authorization: "Bearer service",
        traceparent: "00-aa-bb-01",
      },
    );
    expect(Object.keys(headers).filter((name) => name.startsWith("x-keiko"))).toEqual([
      "x-keiko-user",
      "x-keikoish",
    ]);
    expect(headers["x-keiko-user"]).toBe("user-42");
  });

  it("refuse a header that HTTP cannot carry, naming it, before anything is sent", () => {
    for (const headers of [{ "x-note": "a\r\nx-evil: 1" }, { "x-note": ["ok", "a\u0000b"] }]) {
      expect(() => endToEndHeaders(headers)).toThrow(UnforwardableHeaderError);
      expect(() => endToEndHeaders(headers)).toThrow(/the x-note header cannot be forwarded/);
    }
    expect(endToEndHeaders({ "x-note": "caf\u00e9\tok", expect: "100-continue" })).toEqual({
      "x-note": "caf\u00e9\tok",
    });
  });

  it("keep an upstream's internal headers from the client", () => {
    expect(
      clientResponseHeaders({
        "x-keiko-upstream": "forged",
        "x-keiko-anything": "internal",
        "proxy-authenticate": "Basic",
        "content-type": "application/json",
      }),
    ).toEqual({ "content-type": "application/json" });
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
