import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import type { Logger } from "pino";
import { EMPTY_ROUTE_TABLE, loadRouteTable, type RouteTable } from "./route-table";

/** The channel the control plane notifies, in the transaction of every change of a domain. */
export const ROUTES_CHANNEL = "keiko_routes";

export type RouteWatcherOptions = {
  db: NodePgDatabase;
  /** The control database's URL, for the one connection that LISTENs. */
  databaseUrl: string;
  /** A full reload this often, whatever the notifications say. */
  reloadIntervalMs: number;
  logger: Pick<Logger, "info" | "warn" | "error">;
  /** Called with every new snapshot after it is in force. */
  onSwap?: (table: RouteTable) => void;
};

/**
 * Keeps the current routing table: loads it at start, reloads it on every `keiko_routes`
 * notification (coalesced: one reload in flight, at most one more queued) and every
 * `reloadIntervalMs` as a safety net, and swaps the whole snapshot at once so a request in
 * flight keeps the one it started with.
 */
export class RouteWatcher {
  #table: RouteTable = EMPTY_ROUTE_TABLE;
  #loaded = false;
  #reloading: Promise<void> | null = null;
  #again = false;
  #listener: pg.Client | null = null;
  #timer: NodeJS.Timeout | null = null;
  #reconnectTimer: NodeJS.Timeout | null = null;
  #reconnectDelayMs = 100;
  #closed = false;
  #reloads = 0;

  constructor(private readonly options: RouteWatcherOptions) {}

  /** The snapshot in force; read it once per request. */
  get table(): RouteTable {
    return this.#table;
  }

  /** True once a table has been loaded from the database at least once. */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** Completed reloads, for metrics and tests. */
  get reloads(): number {
    return this.#reloads;
  }

  /** Loads the table (throws if the database does not answer) and starts listening. */
  async start(): Promise<void> {
    await this.#reload();
    await this.#listen().catch((error) => {
      this.options.logger.warn({ err: error }, "cannot LISTEN for route changes yet; retrying");
      this.#scheduleReconnect();
    });
    this.#timer = setInterval(() => void this.reload(), this.options.reloadIntervalMs);
    this.#timer.unref();
  }

  /** Reloads now; concurrent calls share a reload, and one more follows if asked during it. */
  reload(): Promise<void> {
    if (this.#reloading) {
      this.#again = true;
      return this.#reloading;
    }
    this.#reloading = (async () => {
      try {
        do {
          this.#again = false;
          await this.#reload();
        } while (this.#again && !this.#closed);
      } catch (error) {
        this.options.logger.warn({ err: error }, "route reload failed; keeping the last table");
      } finally {
        this.#reloading = null;
      }
    })();
    return this.#reloading;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    const listener = this.#listener;
    this.#listener = null;
    await listener?.end().catch(() => {});
    await this.#reloading;
  }

  async #reload(): Promise<void> {
    const { table, rejected } = await loadRouteTable(this.options.db);
    for (const row of rejected) {
      this.options.logger.error(row, "domain route is invalid; it is not served");
    }
    if (this.#closed) return;
    this.#table = table;
    this.#loaded = true;
    this.#reloads += 1;
    this.options.onSwap?.(table);
  }

  async #listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.databaseUrl });
    const lost = (error?: Error) => {
      if (this.#listener !== client) return;
      this.#listener = null;
      client.removeAllListeners("notification");
      void client.end().catch(() => {});
      if (this.#closed) return;
      this.options.logger.warn({ err: error }, "lost the route LISTEN connection; reconnecting");
      this.#scheduleReconnect();
    };
    client.on("error", lost);
    client.on("end", () => lost());
    client.on("notification", (message) => {
      if (message.channel === ROUTES_CHANNEL) void this.reload();
    });
    await client.connect();
    if (this.#closed) {
      await client.end();
      return;
    }
    await client.query(`LISTEN ${ROUTES_CHANNEL}`);
    this.#listener = client;
    this.#reconnectDelayMs = 100;
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnectTimer) return;
    const delay = this.#reconnectDelayMs;
    this.#reconnectDelayMs = Math.min(delay * 2, 5_000);
    this.#reconnectTimer = setTimeout(async () => {
      this.#reconnectTimer = null;
      try {
        await this.#listen();
        // notifications sent while we were away are lost: read everything once
        await this.reload();
      } catch (error) {
        this.options.logger.warn({ err: error }, "route LISTEN reconnect failed");
        this.#scheduleReconnect();
      }
    }, delay);
    this.#reconnectTimer.unref();
  }
}
