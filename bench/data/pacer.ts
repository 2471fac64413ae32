import { setTimeout as sleep } from "node:timers/promises";

export type Paced = {
  /** Tasks started so far. */
  readonly started: number;
  /** Stops starting tasks and waits for the ones in flight. */
  stop(): Promise<void>;
};

/**
 * Starts `task` `rate` times a second at evenly spaced times (open loop: a slow task does not
 * delay the next one) until stopped. A task's error is the task's business; it is swallowed here.
 */
export function startPaced(rate: number, task: (index: number) => Promise<void>): Paced {
  let stopped = false;
  let started = 0;
  const inFlight = new Set<Promise<void>>();
  const interval = 1000 / rate;
  const origin = performance.now();
  const loop = (async () => {
    while (!stopped) {
      const wait = origin + started * interval - performance.now();
      if (wait > 0) {
        await sleep(wait);
        continue;
      }
      const call: Promise<void> = task(started)
        .catch(() => undefined)
        .finally(() => inFlight.delete(call));
      inFlight.add(call);
      started += 1;
    }
  })();
  return {
    get started() {
      return started;
    },
    async stop() {
      stopped = true;
      await loop;
      await Promise.all(inFlight);
    },
  };
}
