import type { ServiceClaims } from "@/lib/auth/service-claims";
import { sharedSecretKey } from "@/lib/auth/service-keys";
import { verifyServiceToken } from "@/lib/auth/verify-service-token";
import { consoleEnv } from "@/lib/config/console";
import { readBearerToken } from "@/lib/http/bearer-token";

/** The audience of tokens for the control plane's internal procedures. */
export const CONTROL_PLANE_AUDIENCE = "control-plane";

/**
 * The calling service of a request that carries a service JWT (workers such as slo-guard), or
 * null: no token, no secret configured, or a token that fails verification.
 */
export async function serviceCaller(request: Request): Promise<ServiceClaims | null> {
  const header = request.headers.get("authorization");
  if (!header) return null;
  let token: string | undefined;
  try {
    token = readBearerToken(header);
  } catch {
    // a malformed header names no service: a procedure that needs one answers 401, others go on
    return null;
  }
  const secret = consoleEnv().SERVICE_TOKEN_SECRET;
  if (!secret) return null;
  const result = await verifyServiceToken(token, {
    key: sharedSecretKey(secret),
    audience: CONTROL_PLANE_AUDIENCE,
  });
  return result.ok ? result.claims : null;
}
