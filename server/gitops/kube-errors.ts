import { ApiException } from "@kubernetes/client-node";
import { TRPCError } from "@trpc/server";
import { DomainError } from "@/server/errors";

/** The message of a Kubernetes Status object, whether the client parsed the body or not. */
function statusMessage(body: unknown): string | null {
  let value = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return body.trim() || null;
    }
  }
  if (value && typeof value === "object" && "message" in value) {
    return String((value as { message: unknown }).message);
  }
  return null;
}

/**
 * What a failed Kubernetes call means for the operator: 404 and 409 keep their meaning, a
 * rejected object is a bad request, and an API server that does not answer is a 502, never a 500.
 */
export function toGitopsError(error: unknown, what: string): Error {
  if (error instanceof DomainError || error instanceof TRPCError) return error;
  if (error instanceof ApiException) {
    const message = statusMessage(error.body) ?? `HTTP ${error.code}`;
    if (error.code === 404) return new DomainError("NOT_FOUND", `${what}: ${message}`);
    if (error.code === 409) {
      return new DomainError(
        "CONFLICT",
        `${what} changed meanwhile (${message}); reload and try again`,
      );
    }
    if (error.code === 401 || error.code === 403) {
      return new DomainError(
        "FORBIDDEN",
        `the console's Kubernetes account may not do this: ${message}`,
      );
    }
    if (error.code === 400 || error.code === 422) {
      return new DomainError("BAD_REQUEST", `${what} was refused: ${message}`);
    }
    return new TRPCError({
      code: "BAD_GATEWAY",
      message: `${what}: the Kubernetes API answered ${error.code}: ${message}`,
    });
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new TRPCError({
    code: "BAD_GATEWAY",
    message: `${what}: the Kubernetes API did not answer (${reason})`,
  });
}
