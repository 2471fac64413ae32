import type { FastifyRequest } from "fastify";
import type { EventMetadata } from "@/lib/contracts/events/envelope";
import {
  LEGACY_EFFECTS_HEADER,
  parseLegacyEffectsHeader,
  withEffectsOnLegacy,
} from "@/lib/data-sync/placement";
import { isGatewayCall } from "@/lib/http/shadow-request";
import { activeTraceparent } from "@/lib/observability/event-tracing";

const traceparentPattern = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * Metadata for the events a request causes: the active span's traceparent when tracing is on,
 * else the request's W3C traceparent if valid; its correlation id
 * (`x-correlation-id`, else the request id) and the producing service. A shadow copy's events
 * never leave its rolled-back transaction (decision 0012), so they need no mark. On a call the
 * gateway made, the consuming domains it names as on legacy (`x-keiko-legacy-effects`) are
 * stamped as `effects_on_legacy`: legacy applies their effects (decision 0011); from any other
 * caller the header is ignored.
 */
export function eventMetadataFrom(request: FastifyRequest, producer: string): EventMetadata {
  const traceparent = activeTraceparent() ?? request.headers.traceparent;
  const correlation = request.headers["x-correlation-id"];
  const onLegacy = isGatewayCall(request)
    ? parseLegacyEffectsHeader(request.headers[LEGACY_EFFECTS_HEADER])
    : null;
  return withEffectsOnLegacy(
    metadataOf(request, producer, traceparent, correlation),
    onLegacy ?? [],
  );
}

function metadataOf(
  request: FastifyRequest,
  producer: string,
  traceparent: string | string[] | undefined,
  correlation: string | string[] | undefined,
): EventMetadata {
  return {
    ...(typeof traceparent === "string" && traceparentPattern.test(traceparent) && { traceparent }),
    correlation_id:
      typeof correlation === "string" && correlation.length > 0 && correlation.length <= 200
        ? correlation
        : request.id,
    producer,
  };
}
