import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import type { ServiceClaims } from "@/lib/auth/service-claims";
import type { ServiceVerificationKey } from "@/lib/auth/service-keys";
import { verifyServiceToken } from "@/lib/auth/verify-service-token";
import { readBearerToken } from "@/lib/http/bearer-token";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The permission a caller's service token must list to use this route. */
    permission?: string;
  }
  interface FastifyRequest {
    /** The verified claims of the calling service; null on public routes. */
    serviceClaims: ServiceClaims | null;
  }
}

/** Routes every service serves without a token: probes and the Prometheus scrape. */
export const PUBLIC_PATHS = ["/healthz", "/readyz", "/metrics"] as const;

export type ServiceAuthOptions = {
  key: ServiceVerificationKey;
  /** This service's name: tokens must be issued for it (`aud`). */
  audience: string;
  publicPaths?: readonly string[];
  clockToleranceSeconds?: number;
  maxTokenAgeSeconds?: number;
};

const serviceAuthPlugin: FastifyPluginAsync<ServiceAuthOptions> = async (app, options) => {
  const publicPaths = new Set<string>(options.publicPaths ?? PUBLIC_PATHS);
  app.decorateRequest("serviceClaims", null);
  app.addHook("onRequest", async (request) => {
    // the matched route pattern, not the raw URL, so `/healthz/../x` cannot pass as public
    const route = request.routeOptions.url;
    if (route !== undefined && publicPaths.has(route)) return;
    const result = await verifyServiceToken(readBearerToken(request.headers.authorization), {
      key: options.key,
      audience: options.audience,
      permission: request.routeOptions.config.permission,
      clockToleranceSeconds: options.clockToleranceSeconds,
      maxTokenAgeSeconds: options.maxTokenAgeSeconds,
    });
    if (!result.ok) throw result.error;
    request.serviceClaims = result.claims;
  });
};

/**
 * Requires a valid service JWT on every route but the public ones, and the route's
 * `config.permission` if it names one: 401 with a reason for a bad token, 403 for a missing
 * permission (answered by the error handler of lib/http/error-handler).
 */
export const serviceAuth = fp(serviceAuthPlugin, { name: "keiko-service-auth", fastify: "5.x" });
