/** A failure that may pass on a later delivery (a timeout, a lock, a service briefly down). */
export class RetryableEventError extends Error {
  override name = "RetryableEventError";
}

/** A failure no retry can fix (an invalid event, a broken invariant): the event goes to the DLQ. */
export class NonRetryableEventError extends Error {
  override name = "NonRetryableEventError";
}

/**
 * Whether a handler's error is worth another delivery. Unknown errors are retried (up to the
 * delivery limit); explicit non-retryable errors, zod errors and JSON syntax errors are not.
 */
export function isRetryableError(error: unknown): boolean {
  if (error instanceof NonRetryableEventError) return false;
  if (error instanceof RetryableEventError) return true;
  if (error instanceof SyntaxError) return false;
  if (error instanceof Error && error.name === "ZodError") return false;
  return true;
}

/** One line for an error, as stored with a dead letter. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 2000);
  return String(error).slice(0, 2000);
}
