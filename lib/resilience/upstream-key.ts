import { z } from "zod";
import { type DomainName, DomainNameSchema } from "@/lib/contracts/domains";

/** Which implementation of a domain answers: the monolith or the new service. */
export const UPSTREAM_SIDES = ["legacy", "service"] as const;
export const UpstreamSideSchema = z.enum(UPSTREAM_SIDES);
export type UpstreamSide = z.infer<typeof UpstreamSideSchema>;

/** One upstream of the gateway, `<domain>:<side>`, e.g. `learning:service`. */
export type UpstreamKey = `${DomainName}:${UpstreamSide}`;

/** The key of one upstream: `<domain>:<side>`. */
export function upstreamKey(domain: DomainName, side: UpstreamSide): UpstreamKey {
  return `${domain}:${side}`;
}

/**
 * The statistics key of a domain's shadow copies (`<domain>:service:shadow`): the same breaker
 * as the new service, but their own series, apart from the clients' traffic.
 */
export function shadowStatsKey(domain: DomainName): string {
  return `${domain}:service:shadow`;
}

/** Domain and side of an upstream key, or null when the text is not one. */
export function parseUpstreamKey(key: string): { domain: DomainName; side: UpstreamSide } | null {
  const [domain, side, ...rest] = key.split(":");
  if (rest.length > 0) return null;
  const parsedDomain = DomainNameSchema.safeParse(domain);
  const parsedSide = UpstreamSideSchema.safeParse(side);
  if (!parsedDomain.success || !parsedSide.success) return null;
  return { domain: parsedDomain.data, side: parsedSide.data };
}

/** Zod schema of an upstream key, for values read from Redis or operator input. */
export const UpstreamKeySchema = z
  .string()
  .refine((key) => parseUpstreamKey(key) !== null, {
    message: "expected <domain>:<side> with side legacy or service, e.g. learning:service",
  })
  .transform((key) => key as UpstreamKey);
