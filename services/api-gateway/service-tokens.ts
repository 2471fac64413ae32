import { DEFAULT_TOKEN_LIFETIME_SECONDS, issueServiceToken } from "@/lib/auth/issue-service-token";
import type { ServiceSigningKey } from "@/lib/auth/service-keys";
import { bearerHeader } from "@/lib/http/bearer-token";

/** The gateway's name: `sub` of the tokens it issues and `aud` of the operator tokens it takes. */
export const GATEWAY_NAME = "api-gateway";
/** The legacy runtime's name: `aud` of the tokens of calls to the legacy side. */
export const LEGACY_AUDIENCE = "legacy-runtime";

/** A cached token is replaced once this much of its life is gone, so none arrives expired. */
const REUSE_FOR_MS = (DEFAULT_TOKEN_LIFETIME_SECONDS - 15) * 1000;

type Cached = { token: Promise<string>; issuedAt: number; bearer?: string };

/**
 * Service JWTs for proxied calls, one per (audience, domain): `aud` is the upstream, the
 * permissions are the domain's read and write. Each is reused for most of its 60 s life, so a
 * signature is computed about once a minute per upstream, not per request.
 */
export class ServiceTokens {
  readonly #cache = new Map<string, Cached>();
  readonly #byAudience = new Map<string, Map<string, Cached>>();

  constructor(
    private readonly key: ServiceSigningKey,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The `Authorization` value of a fresh-enough token already signed, without waiting (the
   * common case: no promise, no string built per request); undefined when one must be issued.
   */
  cachedBearer(audience: string, domain: string): string | undefined {
    const cached = this.#byAudience.get(audience)?.get(domain);
    if (!cached?.bearer || this.now() - cached.issuedAt >= REUSE_FOR_MS) return undefined;
    return cached.bearer;
  }

  /** A fresh-enough token for a call to `audience` on behalf of `domain`'s routes. */
  tokenFor(audience: string, domain: string): Promise<string> {
    const cacheKey = `${audience}|${domain}`;
    const now = this.now();
    const cached = this.#cache.get(cacheKey);
    if (cached && now - cached.issuedAt < REUSE_FOR_MS) return cached.token;
    const token = issueServiceToken({
      key: this.key,
      subject: GATEWAY_NAME,
      audience,
      serviceType: "gateway",
      permissions: [`${domain}:read`, `${domain}:write`],
      now: new Date(now),
    });
    const entry: Cached = { token, issuedAt: now };
    this.#cache.set(cacheKey, entry);
    let byDomain = this.#byAudience.get(audience);
    if (!byDomain) {
      byDomain = new Map();
      this.#byAudience.set(audience, byDomain);
    }
    byDomain.set(domain, entry);
    token.then(
      (value) => {
        entry.bearer = bearerHeader(value);
      },
      () => {
        // a failed signature must not stay cached
        if (this.#cache.get(cacheKey) === entry) this.#cache.delete(cacheKey);
        if (byDomain.get(domain) === entry) byDomain.delete(domain);
      },
    );
    return token;
  }
}
