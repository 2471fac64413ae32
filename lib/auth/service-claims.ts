import { z } from "zod";

/** The `iss` of every service token. */
export const SERVICE_TOKEN_ISSUER = "keiko-platform";

/** A service's name as used in `sub` and `aud`: `identity`, `api-gateway`, `legacy-runtime`, … */
export const ServiceNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, "a service name is lower-case kebab-case, e.g. api-gateway");
export type ServiceName = z.infer<typeof ServiceNameSchema>;

/** What kind of process calls: it lets a service treat, say, workers differently in logs. */
export const SERVICE_TYPES = [
  "gateway",
  "domain-service",
  "legacy-runtime",
  "worker",
  "control-plane",
] as const;
export const ServiceTypeSchema = z.enum(SERVICE_TYPES);
export type ServiceType = z.infer<typeof ServiceTypeSchema>;

/** A permission such as `identity:read`; the domain routes name the one they need. */
export const PermissionNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]*:[a-z][a-z0-9-]*$/, "a permission looks like <area>:<action>");

/** Claims of a service-to-service JWT (DESIGN.md). */
export const ServiceClaimsSchema = z.object({
  sub: ServiceNameSchema,
  iss: z.literal(SERVICE_TOKEN_ISSUER),
  aud: ServiceNameSchema,
  exp: z.number().int(),
  iat: z.number().int(),
  service_type: ServiceTypeSchema,
  permissions: z.array(PermissionNameSchema),
});
export type ServiceClaims = z.infer<typeof ServiceClaimsSchema>;
