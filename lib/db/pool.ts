import pg from "pg";

type WarnLogger = { warn: (fields: object, message: string) => void };

/** The error without the connection object pg hangs on it (pages of internals in a log line). */
function brief(error: Error): object {
  return { message: error.message, code: (error as { code?: unknown }).code };
}

/**
 * A pool whose connections may die (PostgreSQL restarted, a connection killed) without taking
 * the process down. pg emits `error` on the pool for an idle connection, and on the client
 * itself for one that is checked out between two queries (a transaction's, a consumer's); an
 * `error` event without a listener ends a Node process. The query in flight fails as usual, the
 * broken connection is dropped on release, and the pool opens a new one for the next query.
 */
export function resilientPool(config: pg.PoolConfig, logger: WarnLogger, what: string): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on("error", (error) =>
    logger.warn(
      { err: brief(error), pool: what },
      "an idle database connection failed; it is replaced",
    ),
  );
  pool.on("connect", (client) => {
    client.on("error", (error) =>
      logger.warn({ err: brief(error), pool: what }, "a database connection in use failed"),
    );
  });
  return pool;
}
