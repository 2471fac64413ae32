import { setTimeout as sleep } from "node:timers/promises";

/** Waits `ms`, or less if `signal` aborts first; never throws. */
export async function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return;
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // aborted: the caller checks its signal
  }
}
