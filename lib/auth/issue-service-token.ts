import { SignJWT } from "jose";
import {
  SERVICE_TOKEN_ISSUER,
  type ServiceName,
  type ServiceType,
} from "@/lib/auth/service-claims";
import type { ServiceSigningKey } from "@/lib/auth/service-keys";

/** Tokens live one minute: long enough for a request and its retries, short if leaked. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 60;
const MAX_TOKEN_LIFETIME_SECONDS = 3_600;

export type IssueServiceTokenInput = {
  key: ServiceSigningKey;
  /** The calling service (`sub`). */
  subject: ServiceName;
  /** The service the token is for (`aud`). */
  audience: ServiceName;
  serviceType: ServiceType;
  permissions: readonly string[];
  lifetimeSeconds?: number;
  /** The issuing time; defaults to now (tests pass a fixed time). */
  now?: Date;
};

/** Signs a service-to-service JWT with the claims of DESIGN.md. */
export async function issueServiceToken(input: IssueServiceTokenInput): Promise<string> {
  const lifetime = input.lifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > MAX_TOKEN_LIFETIME_SECONDS) {
    throw new Error(
      `lifetimeSeconds must be a whole number from 1 to ${MAX_TOKEN_LIFETIME_SECONDS}`,
    );
  }
  const iat = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const header =
    input.key.alg === "HS256"
      ? { alg: "HS256", typ: "JWT" }
      : { alg: "EdDSA", typ: "JWT", kid: input.key.kid };
  return new SignJWT({ service_type: input.serviceType, permissions: [...input.permissions] })
    .setProtectedHeader(header)
    .setIssuer(SERVICE_TOKEN_ISSUER)
    .setSubject(input.subject)
    .setAudience(input.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetime)
    .sign(input.key.key);
}
