import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import type pg from "pg";
import { RetryableEventError } from "@/lib/events/event-errors";
import type { EventsDatabase, EventsTransaction } from "@/lib/events/events-database";

/**
 * A handler that had not finished when its deadline passed. It is retried like any failure and,
 * when it is the last delivery's failure, dead-lettered with reason `deadline`.
 */
export class HandlerDeadlineError extends RetryableEventError {
  override name = "HandlerDeadlineError";
}

/** PostgreSQL's `query_canceled`: statement_timeout cancelled a statement. */
const QUERY_CANCELED = "57014";

/** Whether a handler failed because it ran out of time (its deadline or statement_timeout). */
export function isDeadlineError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 10; depth += 1) {
    if (current instanceof HandlerDeadlineError) return true;
    if ((current as { code?: unknown }).code === QUERY_CANCELED) return true;
    current = current.cause;
  }
  return false;
}

/** Runs one handler call under the deadline; see `runHandlerTransaction`. */
export type WithinDeadline = <T>(label: string, run: () => Promise<T>) => Promise<T>;

function poolOf(db: EventsDatabase): pg.Pool | undefined {
  const client = (db as { $client?: unknown }).$client as Partial<pg.Pool> | undefined;
  const isPool = typeof client?.connect === "function" && typeof client?.totalCount === "number";
  return isPool ? (client as pg.Pool) : undefined;
}

/**
 * Runs `body` in a transaction with `statement_timeout` set to `deadlineMs` (SET LOCAL, via
 * set_config), on a pool connection of its own. `body` wraps each handler call in
 * `withinDeadline`: when a call has not settled after `deadlineMs`, the connection is closed at
 * once, so PostgreSQL rolls the transaction back, the handler's later statements fail instead of
 * landing in another transaction through the pool, and the call throws `HandlerDeadlineError`.
 * (A `db` that is not on a pool gets statement_timeout and the deadline, but no closed connection.)
 */
export async function runHandlerTransaction<T>(
  db: EventsDatabase,
  deadlineMs: number,
  body: (tx: EventsTransaction, withinDeadline: WithinDeadline) => Promise<T>,
): Promise<T> {
  const pool = poolOf(db);
  const connection = pool ? await pool.connect() : undefined;
  let expired: HandlerDeadlineError | undefined;
  let released = false;
  const release = (destroy?: Error) => {
    if (released || !connection) return;
    released = true;
    connection.release(destroy);
  };
  const withinDeadline: WithinDeadline = async (label, run) => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        expired = new HandlerDeadlineError(`${label} did not finish within ${deadlineMs} ms`);
        release(expired); // pg's pool ends a client released with an error
        reject(expired);
      }, deadlineMs);
    });
    try {
      return await Promise.race([run(), deadline]);
    } finally {
      clearTimeout(timer);
    }
  };
  try {
    const session = connection ? drizzle(connection) : db;
    return await session.transaction(async (tx) => {
      await tx.execute(sql`select set_config('statement_timeout', ${`${deadlineMs}ms`}, true)`);
      return body(tx, withinDeadline);
    });
  } catch (error) {
    // After a deadline the rollback fails on the closed connection: report the deadline.
    throw expired ?? error;
  } finally {
    release();
  }
}
