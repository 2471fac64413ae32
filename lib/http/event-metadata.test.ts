import type { FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import { eventMetadataFrom } from "./event-metadata";

const request = (headers: Record<string, string>, serviceClaims?: Record<string, string>) =>
  ({ id: "req-1", headers, serviceClaims }) as unknown as FastifyRequest;
const GATEWAY = { sub: "api-gateway", service_type: "gateway" };

describe("eventMetadataFrom", () => {
  it("keeps a valid traceparent and the correlation id, and names the producer", () => {
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    expect(
      eventMetadataFrom(request({ traceparent, "x-correlation-id": "c-9" }), "identity"),
    ).toEqual({
      traceparent,
      correlation_id: "c-9",
      producer: "identity",
    });
  });

  it("drops a malformed traceparent and falls back to the request id", () => {
    expect(eventMetadataFrom(request({ traceparent: "nope" }), "learning")).toEqual({
      correlation_id: "req-1",
      producer: "learning",
    });
  });

  it("puts no shadow mark: a shadow copy's events are rolled back with its writes", () => {
    expect(eventMetadataFrom(request({ "x-keiko-shadow": "1" }), "learning")).toEqual({
      correlation_id: "req-1",
      producer: "learning",
    });
  });

  it("stamps the domains the gateway names as on legacy, so legacy applies their effects", () => {
    const headers = { "x-keiko-legacy-effects": "reputation,passport" };
    expect(eventMetadataFrom(request(headers, GATEWAY), "learning")).toEqual({
      correlation_id: "req-1",
      producer: "learning",
      effects_on_legacy: ["reputation", "passport"],
    });
  });

  it("ignores the legacy-effects header from any caller but the gateway, and a malformed one", () => {
    const headers = { "x-keiko-legacy-effects": "reputation" };
    const other = { sub: "reputation", service_type: "service" };
    expect(eventMetadataFrom(request(headers, other), "learning")).not.toHaveProperty(
      "effects_on_legacy",
    );
    expect(eventMetadataFrom(request(headers), "learning")).not.toHaveProperty("effects_on_legacy");
    const malformed = { "x-keiko-legacy-effects": "reputation,../../etc" };
    expect(eventMetadataFrom(request(malformed, GATEWAY), "learning")).not.toHaveProperty(
      "effects_on_legacy",
    );
  });
});
