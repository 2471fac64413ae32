import { errors, jwtVerify } from "jose";
import { ServiceAuthError, type ServiceAuthFailureReason } from "@/lib/auth/service-auth-error";
import {
  SERVICE_TOKEN_ISSUER,
  type ServiceClaims,
  ServiceClaimsSchema,
} from "@/lib/auth/service-claims";
import { KeysUnavailableError, type ServiceVerificationKey } from "@/lib/auth/service-keys";
import { describeIssues } from "@/lib/contracts/format-issues";

/** Clocks of two machines disagree by a little; more than this is a bad token. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;
/** A token issued longer ago than this is refused whatever its `exp` says. */
export const DEFAULT_MAX_TOKEN_AGE_SECONDS = 300;

export type VerifyServiceTokenOptions = {
  key: ServiceVerificationKey;
  /** This service's name: the `aud` a token must carry. */
  audience: string;
  /** A permission the token must list; a token without it gets a 403. */
  permission?: string;
  clockToleranceSeconds?: number;
  maxTokenAgeSeconds?: number;
  /** The time to verify at; defaults to now (tests pass a fixed time). */
  now?: Date;
};

export type VerifyServiceTokenResult =
  | { ok: true; claims: ServiceClaims }
  | { ok: false; error: ServiceAuthError };

const ALGORITHMS: Record<ServiceVerificationKey["alg"], string[]> = {
  HS256: ["HS256"],
  // jose names Ed25519 either way (RFC 8037 "EdDSA", RFC 9864 "Ed25519")
  EdDSA: ["EdDSA", "Ed25519"],
};

function claimFailure(error: errors.JWTClaimValidationFailed): ServiceAuthError {
  const byClaim: Record<string, [ServiceAuthFailureReason, string]> = {
    iss: ["wrong_issuer", `the token was not issued by ${SERVICE_TOKEN_ISSUER}`],
    aud: ["wrong_audience", "the token is meant for another service"],
    nbf: ["not_yet_valid", "the token is not valid yet"],
    iat: ["not_yet_valid", "the token was issued in the future"],
  };
  // a missing iss or aud is as wrong as a different one; a missing iat is a malformed claim set
  const isTimeClaim = error.claim === "nbf" || error.claim === "iat";
  const known = isTimeClaim && error.reason === "missing" ? undefined : byClaim[error.claim];
  const [reason, message] = known ?? ["invalid_claims", `bad token claims: ${error.message}`];
  return new ServiceAuthError(reason, message, { cause: error });
}

/** The typed refusal for whatever jose (or the key set) threw. */
function toServiceAuthError(error: unknown): ServiceAuthError {
  if (error instanceof KeysUnavailableError) {
    return new ServiceAuthError("keys_unavailable", "the verification keys are unavailable", {
      cause: error,
    });
  }
  if (error instanceof errors.JWTExpired) {
    return new ServiceAuthError("expired", "the token has expired", { cause: error });
  }
  if (error instanceof errors.JWTClaimValidationFailed) return claimFailure(error);
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new ServiceAuthError("bad_signature", "the token signature is not valid", {
      cause: error,
    });
  }
  if (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return new ServiceAuthError("unknown_key", "the token was signed with an unknown key", {
      cause: error,
    });
  }
  if (error instanceof errors.JOSEError) {
    return new ServiceAuthError("malformed", `the token is malformed: ${error.message}`, {
      cause: error,
    });
  }
  throw error;
}

/** Refuses (403) claims that do not list `permission`; exact match, no wildcards. */
export function checkPermission(
  claims: ServiceClaims,
  permission: string,
): ServiceAuthError | null {
  if (claims.permissions.includes(permission)) return null;
  return new ServiceAuthError(
    "missing_permission",
    `${claims.sub} lacks the permission ${permission}`,
  );
}

/**
 * Verifies a service token: signature (algorithm pinned by the key), issuer, audience, expiry
 * with a small clock tolerance, the claims' shape and, if asked, a permission. Never throws for a
 * bad token; returns why it was refused.
 */
export async function verifyServiceToken(
  token: string | null | undefined,
  options: VerifyServiceTokenOptions,
): Promise<VerifyServiceTokenResult> {
  if (!token) {
    return { ok: false, error: new ServiceAuthError("missing", "a service token is required") };
  }
  let payload: unknown;
  try {
    const verified = await jwtVerify(token, options.key.key as Parameters<typeof jwtVerify>[1], {
      algorithms: ALGORITHMS[options.key.alg],
      issuer: SERVICE_TOKEN_ISSUER,
      audience: options.audience,
      clockTolerance: options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
      maxTokenAge: options.maxTokenAgeSeconds ?? DEFAULT_MAX_TOKEN_AGE_SECONDS,
      requiredClaims: ["sub", "exp", "iat"],
      currentDate: options.now,
    });
    payload = verified.payload;
  } catch (error) {
    return { ok: false, error: toServiceAuthError(error) };
  }
  const claims = ServiceClaimsSchema.safeParse(payload);
  if (!claims.success) {
    const message = `bad token claims: ${describeIssues(claims.error.issues)}`;
    return { ok: false, error: new ServiceAuthError("invalid_claims", message) };
  }
  const denied = options.permission ? checkPermission(claims.data, options.permission) : null;
  return denied ? { ok: false, error: denied } : { ok: true, claims: claims.data };
}
