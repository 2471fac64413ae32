/** SQLSTATE classes of a database that cannot serve now: connection exceptions, operator intervention. */
const UNAVAILABLE_CLASSES = ["08", "57"];
/** What node-postgres and the socket say when the server went away or refuses connections. */
const UNAVAILABLE_ERRNOS = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT"]);
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /Client has encountered a connection error/,
];

/**
 * Whether `error` (or an error it wraps, as drizzle's query errors do) says the database is
 * unreachable or shutting down, rather than that the request was wrong: a restart, a failover,
 * a full connection pool. Such a request may succeed when retried.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth += 1) {
    const { code } = current as { code?: unknown };
    if (typeof code === "string") {
      if (UNAVAILABLE_ERRNOS.has(code)) return true;
      if (/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_CLASSES.includes(code.slice(0, 2))) return true;
    }
    const { message } = current;
    if (UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))) return true;
    current = current.cause;
  }
  return false;
}
