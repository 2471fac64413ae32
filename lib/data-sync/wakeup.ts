import pg from "pg";

type Log = { warn(object: unknown, message: string): void };

/**
 * Wakes a loop early: LISTENs on `channel` of each database and resolves the current wait on
 * the first notification. A lost connection is re-opened with a growing delay; meanwhile the
 * loop still wakes on its own interval, so a missed notification costs at most one interval.
 */
export class Wakeup {
  #clients: pg.Client[] = [];
  #wake: (() => void) | null = null;
  #pending = false;
  #closed = false;

  constructor(
    private readonly targets: ReadonlyArray<{ url: string; channel: string }>,
    private readonly log: Log,
  ) {}

  start(): void {
    for (const target of this.targets) void this.#listen(target, 100);
  }

  async #listen(target: { url: string; channel: string }, delayMs: number): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: target.url });
    const retry = () => {
      this.#clients = this.#clients.filter((c) => c !== client);
      client.end().catch(() => undefined);
      if (!this.#closed)
        setTimeout(() => void this.#listen(target, Math.min(delayMs * 2, 5_000)), delayMs).unref();
    };
    client.on("error", (error) => {
      this.log.warn({ err: error, channel: target.channel }, "listener lost; reconnecting");
      retry();
    });
    try {
      await client.connect();
      client.on("notification", () => this.poke());
      await client.query(`listen ${target.channel}`);
      this.#clients.push(client);
      this.poke();
    } catch (error) {
      this.log.warn({ err: error, channel: target.channel }, "cannot listen yet; retrying");
      retry();
    }
  }

  /** Ends the current wait now (or the next one at once). */
  poke(): void {
    if (this.#wake) {
      const wake = this.#wake;
      this.#wake = null;
      wake();
    } else {
      this.#pending = true;
    }
  }

  /** Waits for a notification or `timeoutMs`, whichever comes first. */
  wait(timeoutMs: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = null;
        resolve();
      }, timeoutMs);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.poke();
    await Promise.all(this.#clients.map((client) => client.end().catch(() => undefined)));
    this.#clients = [];
  }
}
