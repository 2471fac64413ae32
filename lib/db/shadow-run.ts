import { AsyncLocalStorage } from "node:async_hooks";
import type pg from "pg";

type Statement = string | (pg.QueryConfig & { submit?: unknown });
type Values = unknown[] | undefined;
type Callback = (error: Error | undefined, value?: unknown, done?: () => void) => void;

const BEGIN = /^\s*(begin|start\s+transaction)\b/i;
const COMMIT = /^\s*(commit|end)(\s+(work|transaction))?\s*;?\s*$/i;
const ROLLBACK = /^\s*(rollback|abort)(\s+(work|transaction))?\s*;?\s*$/i;
const IN_FAILED_TRANSACTION = "25P02";

function textOf(statement: Statement): string {
  return typeof statement === "string" ? statement : statement.text;
}

/**
 * The statement as sent in a shadow run: always over the extended protocol, which refuses several
 * statements in one text, so none can carry a COMMIT past the checks above.
 */
function extended(statement: Statement): pg.QueryConfig {
  if (typeof statement !== "string" && typeof statement.submit === "function") {
    throw new Error("a shadow run cannot stream a query (cursor or stream)");
  }
  const config = typeof statement === "string" ? { text: statement } : statement;
  return { ...config, queryMode: "extended" } as pg.QueryConfig;
}

/** What PostgreSQL answers to COMMIT or ROLLBACK outside a transaction: nothing, with a warning. */
const NOTHING: pg.QueryResult = { command: "", rowCount: null, oid: 0, fields: [], rows: [] };

/**
 * The one connection a shadow run has on one pool, inside a transaction opened on first use and
 * rolled back at the end. A transaction of the handler is a savepoint; a statement outside one
 * gets a savepoint of its own, so its failure spoils nothing else, as under autocommit.
 */
class ShadowConnection {
  #tail: Promise<unknown> = Promise.resolve();
  /** Savepoints standing for the handler's open transactions, innermost last. */
  readonly #open: string[] = [];
  #count = 0;

  constructor(private readonly client: pg.PoolClient) {}

  /** Runs `steps` with no other statement of the run in between (a savepoint must enclose only its own). */
  #exclusive<T>(steps: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(steps);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  #send(statement: string): Promise<unknown> {
    return this.client.query(statement);
  }

  #savepoint(): string {
    this.#count += 1;
    return `keiko_shadow_${this.#count}`;
  }

  /** A statement outside any transaction of the handler. */
  autocommit(statement: Statement, values: Values): Promise<pg.QueryResult> {
    const text = textOf(statement);
    if (BEGIN.test(text) || COMMIT.test(text) || ROLLBACK.test(text)) {
      // pool.query("begin") would leave a pooled connection in a transaction; here it is a no-op
      return Promise.resolve(NOTHING);
    }
    return this.#exclusive(async () => {
      const name = this.#savepoint();
      await this.#send(`savepoint ${name}`);
      try {
        const result = await this.client.query(extended(statement), values);
        await this.#send(`release savepoint ${name}`);
        return result;
      } catch (error) {
        await this.#send(`rollback to savepoint ${name}`);
        await this.#send(`release savepoint ${name}`);
        throw error;
      }
    });
  }

  /** Ends the handler's transaction `name`: released (commit) or undone (rollback). */
  #close(name: string, commit: boolean): Promise<pg.QueryResult> {
    const at = this.#open.lastIndexOf(name);
    if (at === -1) {
      return Promise.reject(
        new Error("a shadow run ended a transaction after an interleaved one; run them in turn"),
      );
    }
    this.#open.length = at;
    return this.#exclusive(async () => {
      if (commit) {
        try {
          await this.#send(`release savepoint ${name}`);
          return NOTHING;
        } catch (error) {
          // COMMIT of a failed transaction rolls it back without an error: so does a shadow run
          if ((error as { code?: string }).code !== IN_FAILED_TRANSACTION) throw error;
        }
      }
      await this.#send(`rollback to savepoint ${name}`);
      await this.#send(`release savepoint ${name}`);
      return NOTHING;
    });
  }

  /** What `pool.connect()` hands out during the run: this connection, its BEGIN/COMMIT rewritten. */
  lease(): pg.PoolClient {
    let transaction: string | null = null;
    const query = (statement: Statement, values?: Values | Callback, callback?: Callback) => {
      if (typeof values === "function") return query(statement, undefined, values);
      const text = textOf(statement);
      let result: Promise<pg.QueryResult>;
      if (BEGIN.test(text) && transaction === null) {
        const name = this.#savepoint();
        transaction = name;
        this.#open.push(name);
        result = this.#exclusive(async () => {
          await this.#send(`savepoint ${name}`);
          return NOTHING;
        });
      } else if ((COMMIT.test(text) || ROLLBACK.test(text)) && transaction !== null) {
        result = this.#close(transaction, COMMIT.test(text));
        transaction = null;
      } else if (transaction === null) {
        result = this.autocommit(statement, values);
      } else {
        result = this.#exclusive(() => this.client.query(extended(statement), values));
      }
      return settle(result, callback);
    };
    return new Proxy(this.client, {
      get: (client, property) => {
        if (property === "query") return query;
        // the run releases the connection when it ends
        if (property === "release") return () => undefined;
        const value = Reflect.get(client, property, client);
        return typeof value === "function" ? value.bind(client) : value;
      },
    });
  }

  /** Rolls everything back and gives the connection back (destroyed if it cannot roll back). */
  async finish(): Promise<void> {
    try {
      await this.#exclusive(() => this.#send("rollback"));
      this.client.release();
    } catch (error) {
      // a connection that dies mid-transaction commits nothing: the server aborts it
      this.client.release(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

function settle<T>(promise: Promise<T>, callback: Callback | undefined): Promise<T> | undefined {
  if (!callback) return promise;
  promise.then(
    (value) => callback(undefined, value, () => undefined),
    (error) => callback(error),
  );
  return undefined;
}

class ShadowRun {
  readonly #connections = new Map<pg.Pool, Promise<ShadowConnection>>();
  #ended = false;

  connectionOn(pool: pg.Pool, connect: () => Promise<pg.PoolClient>): Promise<ShadowConnection> {
    // a query started by the handler but still running after it returned must not reach the pool
    if (this.#ended) return Promise.reject(new Error("this shadow run has ended"));
    let connection = this.#connections.get(pool);
    if (!connection) {
      connection = (async () => {
        const client = await connect();
        try {
          await client.query("begin");
        } catch (error) {
          client.release(error instanceof Error ? error : new Error(String(error)));
          throw error;
        }
        return new ShadowConnection(client);
      })();
      this.#connections.set(pool, connection);
    }
    return connection;
  }

  async end(): Promise<void> {
    this.#ended = true;
    for (const connection of this.#connections.values()) {
      const opened = await connection.catch(() => null);
      await opened?.finish();
    }
  }
}

const shadowRuns = new AsyncLocalStorage<ShadowRun>();
const shadowAwarePools = new WeakSet<pg.Pool>();

/**
 * Runs `work` as a shadow run: every query it makes on a shadow-aware pool (see
 * `makeShadowAware`) goes to one connection per pool inside a transaction, rolled back once
 * `work` has settled and before this returns, so its answer is a real one and it writes nothing.
 */
export async function runAsShadow<T>(work: () => Promise<T>): Promise<T> {
  const run = new ShadowRun();
  try {
    return await shadowRuns.run(run, work);
  } finally {
    await run.end();
  }
}

/**
 * Makes `pool` take part in shadow runs: inside one, `query` and `connect` use the run's
 * connection; outside, they are the pool's own. Patches the instance (drizzle already holds it),
 * once; returns it.
 */
export function makeShadowAware<P extends pg.Pool>(pool: P): P {
  if (shadowAwarePools.has(pool)) return pool;
  shadowAwarePools.add(pool);
  const ownConnect = pool.connect.bind(pool);
  const ownQuery = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  const connectionOf = (run: ShadowRun) => run.connectionOn(pool, () => ownConnect());

  const connect = (callback?: Callback) => {
    const run = shadowRuns.getStore();
    if (!run) return ownConnect(callback as never);
    return settle(
      connectionOf(run).then((connection) => connection.lease()),
      callback,
    );
  };
  const query = (statement: Statement, values?: Values | Callback, callback?: Callback) => {
    const run = shadowRuns.getStore();
    if (!run) return ownQuery(statement, values, callback);
    if (typeof values === "function") return query(statement, undefined, values);
    return settle(
      connectionOf(run).then((connection) => connection.autocommit(statement, values)),
      callback,
    );
  };
  Object.assign(pool, { connect, query });
  return pool;
}
