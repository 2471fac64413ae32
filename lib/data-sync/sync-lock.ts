import pg from "pg";

type Log = {
  info(object: unknown, message: string): void;
  warn(object: unknown, message: string): void;
};

/** One data-sync worker per platform: the loop's order is what makes the sync gap-free. */
const LOCK_NAME = "keiko-data-sync";

/**
 * A session advisory lock on keiko_control held by the active data-sync worker. A second worker
 * stands by until the lock is free; a worker whose lock connection is lost (a restart of the
 * server) stops syncing until it holds the lock again. `held` is read before every pass.
 */
export class SyncLock {
  #client: pg.Client | null = null;
  #held = false;
  #closed = false;
  #timer: NodeJS.Timeout | null = null;
  #warned = false;

  constructor(
    private readonly controlUrl: string,
    private readonly log: Log,
    private readonly retryMs = 1_000,
  ) {}

  get held(): boolean {
    return this.#held;
  }

  start(): void {
    void this.#acquire();
  }

  async #acquire(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({
      connectionString: this.controlUrl,
      application_name: LOCK_NAME,
    });
    const lost = (error?: Error) => {
      if (this.#client !== client) return;
      this.#client = null;
      this.#held = false;
      void client.end().catch(() => {});
      if (this.#closed) return;
      this.log.warn(
        { err: error },
        "lost the data-sync lock; syncing stops until it is held again",
      );
      this.#retry();
    };
    client.on("error", lost);
    client.on("end", () => lost());
    try {
      await client.connect();
      this.#client = client;
      const { rows } = await client.query<{ got: boolean }>(
        "select pg_try_advisory_lock(hashtext($1)) as got",
        [LOCK_NAME],
      );
      if (rows[0]?.got && !this.#closed) {
        this.#held = true;
        this.#warned = false;
        this.log.info({}, "holding the data-sync lock");
        return;
      }
      if (!this.#warned) this.log.warn({}, "another data-sync worker is active; standing by");
      this.#warned = true;
      this.#client = null;
      await client.end();
    } catch (error) {
      this.#client = null;
      await client.end().catch(() => {});
      this.log.warn({ err: error }, "cannot take the data-sync lock yet");
    }
    this.#retry();
  }

  #retry(): void {
    if (this.#closed || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#acquire();
    }, this.retryMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#held = false;
    if (this.#timer) clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }
}
