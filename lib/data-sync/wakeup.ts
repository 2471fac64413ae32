import { NotifyReloader } from "@/lib/db/notify-reloader";

type Log = { warn(object: unknown, message: string): void };

/**
 * Wakes a loop early: LISTENs on `channel` of each database (lib/db/notify-reloader.ts, which
 * reconnects and looks again after a reconnect) and resolves the current wait on the first
 * notification. Meanwhile the loop still wakes on its own interval, so a missed notification
 * costs at most one interval.
 */
export class Wakeup {
  readonly #listeners: NotifyReloader[];
  #wake: (() => void) | null = null;
  #pending = false;

  constructor(targets: ReadonlyArray<{ url: string; channel: string }>, log: Log) {
    this.#listeners = targets.map(
      (target) =>
        new NotifyReloader({
          databaseUrl: target.url,
          channel: target.channel,
          reloadIntervalMs: 60_000,
          load: async () => this.poke(),
          what: `${target.channel} notifications`,
          logger: log,
        }),
    );
  }

  start(): void {
    for (const listener of this.#listeners) void listener.start("background");
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
    this.poke();
    await Promise.all(this.#listeners.map((listener) => listener.close()));
  }
}
