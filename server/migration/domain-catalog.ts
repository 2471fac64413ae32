import { z } from "zod";
import { parseEnv } from "@/lib/config/parse-env";
import {
  DEFAULT_LEGACY_PORT,
  DEFAULT_SERVICE_PORTS,
  DOMAIN_NAMES,
  type DomainName,
  DomainNameSchema,
} from "@/lib/contracts/domains";
import type { ControlDb } from "@/server/db/client";
import { domains } from "@/server/db/schema/migration";

const displayNames: Record<DomainName, string> = {
  identity: "Identity",
  learning: "Learning",
  reputation: "Reputation",
  passport: "Passport",
  governance: "Governance",
  marketplace: "Marketplace",
};

/** Where the gateway reaches the legacy runtime and each domain's new service (base URLs). */
export type Upstreams = { legacyUrl: string; serviceUrls: Record<DomainName, string> };

/** Local defaults: every process on 127.0.0.1 at its known port (DESIGN.md). */
export const LOCAL_UPSTREAMS: Upstreams = {
  legacyUrl: `http://127.0.0.1:${DEFAULT_LEGACY_PORT}`,
  serviceUrls: Object.fromEntries(
    DOMAIN_NAMES.map((name) => [name, `http://127.0.0.1:${DEFAULT_SERVICE_PORTS[name]}`]),
  ) as Record<DomainName, string>,
};

/** Why `value` is not an http(s) origin, or undefined; the gateway proxies to origins only. */
function originProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "is not a URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must start with http(s)://";
  if (url.username || url.password || url.pathname !== "/" || url.search || url.hash) {
    return "must be only scheme, host and port, e.g. http://identity:8101";
  }
  return undefined;
}

const OriginSchema = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    const problem = originProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .transform((value) => new URL(value).origin);

/** `<domain>=<url>` pairs, comma-separated; a domain not named keeps its local default. */
const ServiceUrlsSchema = z
  .string()
  .default("")
  .transform((value, ctx) => {
    const urls: Partial<Record<DomainName, string>> = {};
    for (const entry of value
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean)) {
      const at = entry.indexOf("=");
      const name = at > 0 ? entry.slice(0, at).trim() : "";
      const domain = DomainNameSchema.safeParse(name);
      if (!domain.success) {
        ctx.addIssue({
          code: "custom",
          message: `expected <domain>=http://host:port with a domain of ${DOMAIN_NAMES.join(", ")}, got "${name || entry}"`,
        });
        continue;
      }
      const url = OriginSchema.safeParse(entry.slice(at + 1));
      if (!url.success) {
        const message = url.error.issues[0]?.message ?? "is not a URL";
        ctx.addIssue({ code: "custom", message: `${domain.data}: ${message}` });
        continue;
      }
      if (urls[domain.data]) {
        ctx.addIssue({ code: "custom", message: `${domain.data} is named twice` });
        continue;
      }
      urls[domain.data] = url.data;
    }
    return urls;
  });

/** The upstreams' environment: LEGACY_URL and SERVICE_URLS (in Kubernetes, Service names). */
export const UpstreamsEnvSchema = z.object({
  LEGACY_URL: OriginSchema.default(LOCAL_UPSTREAMS.legacyUrl),
  SERVICE_URLS: ServiceUrlsSchema,
});

/** Reads the upstreams once; a bad value throws one line naming the variable. */
export function loadUpstreams(env: Record<string, string | undefined>): Upstreams {
  const parsed = parseEnv(UpstreamsEnvSchema, env);
  return {
    legacyUrl: parsed.LEGACY_URL,
    serviceUrls: { ...LOCAL_UPSTREAMS.serviceUrls, ...parsed.SERVICE_URLS },
  };
}

/** The six domains with their upstreams; every domain starts on legacy. */
export function defaultDomains(upstreams: Upstreams = LOCAL_UPSTREAMS) {
  return DOMAIN_NAMES.map((name) => ({
    name,
    displayName: displayNames[name],
    pathPrefix: `/api/${name}`,
    legacyUrl: upstreams.legacyUrl,
    serviceUrl: upstreams.serviceUrls[name],
  }));
}

/**
 * Inserts the domains that are missing, with `upstreams`' URLs; never touches a domain that
 * already exists (its URLs included: a seeded row is changed on purpose, not by a restart).
 */
export async function seedDomains(
  db: ControlDb,
  upstreams: Upstreams = LOCAL_UPSTREAMS,
): Promise<number> {
  const inserted = await db
    .insert(domains)
    .values(defaultDomains(upstreams))
    .onConflictDoNothing({ target: domains.name })
    .returning({ name: domains.name });
  return inserted.length;
}
