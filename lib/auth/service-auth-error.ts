/** Why a service request was refused; sent as `details.reason` of the error body. */
export type ServiceAuthFailureReason =
  | "missing"
  | "malformed"
  | "bad_signature"
  | "unknown_key"
  | "expired"
  | "not_yet_valid"
  | "wrong_issuer"
  | "wrong_audience"
  | "invalid_claims"
  | "missing_permission"
  | "keys_unavailable";

const STATUS: Record<ServiceAuthFailureReason, 401 | 403 | 503> = {
  missing: 401,
  malformed: 401,
  bad_signature: 401,
  unknown_key: 401,
  expired: 401,
  not_yet_valid: 401,
  wrong_issuer: 401,
  wrong_audience: 401,
  invalid_claims: 401,
  missing_permission: 403,
  // the verifier could not fetch the JWKS: the caller is not at fault, retry later
  keys_unavailable: 503,
};

/** A refused service token: 401 for a bad token, 403 for a missing permission. */
export class ServiceAuthError extends Error {
  override name = "ServiceAuthError";
  readonly status: 401 | 403 | 503;

  constructor(
    readonly reason: ServiceAuthFailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = STATUS[reason];
  }
}
