import pg from "pg";

export type NotifyReloaderOptions = {
  /** The database whose NOTIFYs say "read again". */
  databaseUrl: string;
  channel: string;
  /** A full reload this often, whatever the notifications say (a missed one costs at most this). */
  reloadIntervalMs: number;
  /** Reads the state and swaps it in; throws to keep the last one. */
  load: () => Promise<void>;
  /** What is reloaded, for log lines ("routes", "domain states"). */
  what: string;
  /** Names the LISTEN connection in pg_stat_activity. */
  applicationName?: string;
  logger: { warn(object: unknown, message: string): void };
};

const identifier = /^[a-z_][a-z0-9_]*$/;

/**
 * Keeps a state read from PostgreSQL current: reloads it on every NOTIFY of `channel`
 * (coalesced: one reload in flight, at most one more queued), every `reloadIntervalMs` as a
 * safety net, and once after every reconnect of the LISTEN connection (notifications sent while
 * it was away are lost). The connection is re-opened with a growing delay.
 */
export class NotifyReloader {
  #reloading: Promise<void> | null = null;
  #again = false;
  #listener: pg.Client | null = null;
  #timer: NodeJS.Timeout | null = null;
  #reconnectTimer: NodeJS.Timeout | null = null;
  #reconnectDelayMs = 100;
  #closed = false;

  constructor(private readonly options: NotifyReloaderOptions) {
    if (!identifier.test(options.channel))
      throw new Error(`not a channel name: ${options.channel}`);
  }

  /**
   * Starts listening and the interval. With `firstLoad: "required"` the first load must succeed
   * (it throws otherwise); with "background" a database that does not answer yet is retried.
   */
  async start(firstLoad: "required" | "background"): Promise<void> {
    if (firstLoad === "required") await this.options.load();
    this.#timer = setInterval(() => void this.reload(), this.options.reloadIntervalMs);
    this.#timer.unref();
    try {
      await this.#listen();
      if (firstLoad === "background") await this.reload();
    } catch (error) {
      this.options.logger.warn(
        { err: error },
        `cannot LISTEN for ${this.options.what} yet; retrying`,
      );
      this.#scheduleReconnect();
    }
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
          await this.options.load();
        } while (this.#again && !this.#closed);
      } catch (error) {
        this.options.logger.warn(
          { err: error },
          `${this.options.what} reload failed; keeping the last`,
        );
      } finally {
        this.#reloading = null;
      }
    })();
    return this.#reloading;
  }

  get closed(): boolean {
    return this.#closed;
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

  async #listen(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      connectionTimeoutMillis: 5_000,
      application_name: this.options.applicationName,
    });
    const lost = (error?: Error) => {
      if (this.#listener !== client) return;
      this.#listener = null;
      client.removeAllListeners("notification");
      void client.end().catch(() => {});
      if (this.#closed) return;
      this.options.logger.warn(
        { err: error },
        `lost the ${this.options.what} LISTEN connection; reconnecting`,
      );
      this.#scheduleReconnect();
    };
    client.on("error", lost);
    client.on("end", () => lost());
    client.on("notification", (message) => {
      if (message.channel === this.options.channel) void this.reload();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.options.channel}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (this.#closed) {
      await client.end();
      return;
    }
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
        await this.reload();
      } catch (error) {
        this.options.logger.warn({ err: error }, `${this.options.what} LISTEN reconnect failed`);
        this.#scheduleReconnect();
      }
    }, delay);
    this.#reconnectTimer.unref();
  }
}
