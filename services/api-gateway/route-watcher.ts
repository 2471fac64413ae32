import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { Logger } from "pino";
import { ROUTES_CHANNEL } from "@/lib/contracts/domains";
import { NotifyReloader } from "@/lib/db/notify-reloader";
import { EMPTY_ROUTE_TABLE, loadRouteTable, type RouteTable } from "./route-table";

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
 * notification (coalesced, lib/db/notify-reloader.ts) and every `reloadIntervalMs` as a safety
 * net, and swaps the whole snapshot at once so a request in flight keeps the one it started with.
 */
export class RouteWatcher {
  #table: RouteTable = EMPTY_ROUTE_TABLE;
  #loaded = false;
  #reloads = 0;
  readonly #reloader: NotifyReloader;

  constructor(private readonly options: RouteWatcherOptions) {
    this.#reloader = new NotifyReloader({
      databaseUrl: options.databaseUrl,
      channel: ROUTES_CHANNEL,
      reloadIntervalMs: options.reloadIntervalMs,
      load: () => this.#reload(),
      what: "routes",
      logger: options.logger,
    });
  }

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
  start(): Promise<void> {
    return this.#reloader.start("required");
  }

  /** Reloads now; concurrent calls share a reload, and one more follows if asked during it. */
  reload(): Promise<void> {
    return this.#reloader.reload();
  }

  close(): Promise<void> {
    return this.#reloader.close();
  }

  async #reload(): Promise<void> {
    const { table, rejected } = await loadRouteTable(this.options.db);
    for (const row of rejected) {
      this.options.logger.error(row, "domain route is invalid; it is not served");
    }
    if (this.#reloader.closed) return;
    this.#table = table;
    this.#loaded = true;
    this.#reloads += 1;
    this.options.onSwap?.(table);
  }
}
