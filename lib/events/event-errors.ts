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
  if (!(error instanceof Error)) return String(error).slice(0, 2000);
  // A wrapped error (a failed query, say) says why only in its cause: lead with the root cause.
  let root: Error = error;
  while (root.cause instanceof Error && root.cause !== root) root = root.cause;
  const text =
    root === error ? `${error.name}: ${error.message}` : `${root.message} (in: ${error.message})`;
  return text.slice(0, 2000);
}
