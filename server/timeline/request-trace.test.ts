import { describe, expect, it } from "vitest";
import { consoleJaegerUiUrl } from "@/lib/config/console";
import { currentTraceId, traceIdOfTraceparent, withRequestTrace } from "./request-trace";

describe("trace ids of requests", () => {
  it("reads the trace id of a valid W3C traceparent only", () => {
    expect(traceIdOfTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")).toBe(
      "4bf92f3577b34da6a3ce929d0e0e4736",
    );
    for (const bad of [
      null,
      "",
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
      `00-${"0".repeat(32)}-00f067aa0ba902b7-01`,
      "00-4bf92f3577b34da6a3ce929d0e0e4736-01",
    ]) {
      expect(traceIdOfTraceparent(bad)).toBeNull();
    }
  });

  it("keeps the request's trace id across awaits, and only inside it", async () => {
    expect(currentTraceId()).toBeNull();
    const seen = await withRequestTrace("4bf92f3577b34da6a3ce929d0e0e4736", async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return currentTraceId();
    });
    expect(seen).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(currentTraceId()).toBeNull();
  });
});

describe("JAEGER_UI_URL", () => {
  it("is optional, loses a trailing slash, and must be an http(s) URL", () => {
    expect(consoleJaegerUiUrl({})).toBeNull();
    expect(consoleJaegerUiUrl({ JAEGER_UI_URL: "" })).toBeNull();
    expect(consoleJaegerUiUrl({ JAEGER_UI_URL: "https://jaeger.example.org/" })).toBe(
      "https://jaeger.example.org",
    );
    expect(() => consoleJaegerUiUrl({ JAEGER_UI_URL: "jaeger" })).toThrow(/JAEGER_UI_URL/);
    expect(() => consoleJaegerUiUrl({ JAEGER_UI_URL: "ftp://jaeger" })).toThrow(/JAEGER_UI_URL/);
  });
});
