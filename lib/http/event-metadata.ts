import type { FastifyRequest } from "fastify";
import type { EventMetadata } from "@/lib/contracts/events/envelope";

const traceparentPattern = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * Metadata for the events a request causes: its W3C traceparent if valid, its correlation id
 * (`x-correlation-id`, else the request id) and the producing service. A shadow copy's events
 * never leave its rolled-back transaction (decision 0012), so they need no mark.
 */
export function eventMetadataFrom(request: FastifyRequest, producer: string): EventMetadata {
  const traceparent = request.headers.traceparent;
  const correlation = request.headers["x-correlation-id"];
  return {
    ...(typeof traceparent === "string" && traceparentPattern.test(traceparent) && { traceparent }),
    correlation_id:
      typeof correlation === "string" && correlation.length > 0 && correlation.length <= 200
        ? correlation
        : request.id,
    producer,
  };
}
