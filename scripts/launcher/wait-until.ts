import { setTimeout as sleep } from "node:timers/promises";

export type WaitOptions = {
  /** Names what is awaited, for the timeout message. */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Returns a reason to stop waiting early (the process died, say), or undefined to go on. */
  giveUp?: () => string | undefined;
};

/** Polls `check` until it returns true; throws on timeout or when `giveUp` gives a reason. */
export async function waitUntil(
  check: () => Promise<boolean>,
  options: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const early = options.giveUp?.();
    if (early) throw new Error(early);
    if (await check()) return;
    const late = options.giveUp?.();
    if (late) throw new Error(late);
    if (Date.now() >= deadline) {
      throw new Error(
        `${options.what} was not ready after ${Math.round(options.timeoutMs / 1000)} s`,
      );
    }
    await sleep(options.intervalMs ?? 200);
  }
}
