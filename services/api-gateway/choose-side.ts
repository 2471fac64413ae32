import { createHash } from "node:crypto";
import type { ServiceVerificationKey } from "@/lib/auth/service-keys";
import { verifyServiceToken } from "@/lib/auth/verify-service-token";
import { HttpError } from "@/lib/http/http-error";
import type { DomainRoute } from "./route-table";
import { GATEWAY_NAME } from "./service-tokens";

/** Which upstream answers: the legacy runtime or the domain's new service. */
export type Side = "legacy" | "service";

export const FORCE_SIDE_HEADER = "x-keiko-force-side";
export const OPERATOR_TOKEN_HEADER = "x-keiko-operator-token";
export const USER_HEADER = "x-keiko-user";
/** The permission an operator token needs to force a side. */
export const FORCE_SIDE_PERMISSION = "gateway:force-side";

/** Printable ASCII without spaces, like an id or an opaque user handle. */
const USER_KEY = /^[\x21-\x7e]{1,256}$/;

/** Whom canary stickiness follows: the `x-keiko-user` header, else the client's address. */
export function userKeyOf(user: string | undefined, clientIp: string): string {
  if (user === undefined) return `ip:${clientIp}`;
  if (!USER_KEY.test(user)) {
    throw new HttpError(
      "bad_request",
      `the ${USER_HEADER} header must be 1 to 256 printable characters without spaces`,
    );
  }
  return `user:${user}`;
}

/**
 * The user's canary bucket in a domain, 0–99. A user whose bucket is below the weight is on the
 * new service, so raising the weight only ever moves users from legacy to the service. The domain
 * is part of the hash so the first canary users differ from one domain to the next.
 */
export function canaryBucket(domain: string, userKey: string): number {
  const key = `${domain}\0${userKey}`;
  let bucket = knownBuckets.get(key);
  if (bucket === undefined) {
    bucket = createHash("sha256").update(key).digest().readUInt32BE(0) % 100;
    // a bounded memo: the bucket is a pure function, so forgetting all of them at once is safe
    if (knownBuckets.size >= KNOWN_BUCKETS_LIMIT) knownBuckets.clear();
    knownBuckets.set(key, bucket);
  }
  return bucket;
}

/** Users seen recently: a SHA-256 per request (the canary's hot path) only for a new user. */
const KNOWN_BUCKETS_LIMIT = 50_000;
const knownBuckets = new Map<string, number>();

export type Plan = {
  /** The side that should answer the client. */
  side: Side;
  /** Whether a copy goes to the new service afterwards (shadow). */
  mirror: boolean;
  /** Whether the side was forced by an operator (no fallback, no mirror). */
  forced: boolean;
};

/** Where the domain's state sends this user's request. */
export function planFor(route: DomainRoute, userKey: () => string): Plan {
  switch (route.state) {
    case "legacy":
      return { side: "legacy", mirror: false, forced: false };
    case "shadow":
      return { side: "legacy", mirror: true, forced: false };
    case "canary": {
      const onService = canaryBucket(route.name, userKey()) < route.canaryWeight;
      return { side: onService ? "service" : "legacy", mirror: false, forced: false };
    }
    case "migrated":
      return { side: "service", mirror: false, forced: false };
  }
}

/**
 * The side an operator forces with `x-keiko-force-side`, or undefined when the header is absent.
 * A bad value is a 400; a missing or invalid operator token (HS256, aud api-gateway, permission
 * gateway:force-side) is a 403.
 */
export async function forcedSide(
  value: string | undefined,
  token: string | undefined,
  key: ServiceVerificationKey,
): Promise<Side | undefined> {
  if (value === undefined) return undefined;
  if (value !== "legacy" && value !== "service") {
    throw new HttpError("bad_request", `${FORCE_SIDE_HEADER} must be legacy or service`);
  }
  const result = await verifyServiceToken(token, {
    key,
    audience: GATEWAY_NAME,
    permission: FORCE_SIDE_PERMISSION,
  });
  if (!result.ok) {
    throw new HttpError(
      "forbidden",
      `${FORCE_SIDE_HEADER} needs a valid operator token in ${OPERATOR_TOKEN_HEADER}`,
      { reason: result.error.reason },
    );
  }
  return value;
}
