import type { FastifyRequest } from "fastify";

/** Request header by which the gateway marks the copy it mirrors to a new service in shadow. */
export const SHADOW_HEADER = "x-keiko-shadow";

/** The only caller whose shadow mark is honoured: `sub` of the gateway's service tokens. */
export const SHADOW_MARKER = { sub: "api-gateway", serviceType: "gateway" } as const;

/**
 * Whether `request` is the gateway's mirrored copy, to be run and rolled back: `x-keiko-shadow: 1`
 * counts only on a request whose verified service token the gateway holds; from any other caller
 * the header is ignored and the request is a real one.
 */
export function isShadowRequest(request: FastifyRequest): boolean {
  return request.headers[SHADOW_HEADER] === "1" && isGatewayCall(request);
}

/** Whether `request` carries a verified service token of the gateway (whose x-keiko-* it owns). */
export function isGatewayCall(request: FastifyRequest): boolean {
  const claims = request.serviceClaims;
  return claims?.sub === SHADOW_MARKER.sub && claims.service_type === SHADOW_MARKER.serviceType;
}
