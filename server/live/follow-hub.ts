import { randomBytes } from "node:crypto";
import type { LiveFrame, LiveHub } from "./live-hub";

/** Told to a subscriber when nothing changed for a while: the stream and the source are alive. */
export type LiveHeartbeat = { kind: "heartbeat"; ageMs: number };
export type LiveUpdate<T> = { kind: "update"; id: string; value: T; ageMs: number };

// Event ids carry this process's boot id, so an id from a restarted console never matches.
const BOOT_ID = randomBytes(4).toString("hex");

/** The event id of a frame, as tRPC's `tracked()` sends it. */
export const frameId = (frame: LiveFrame<unknown>) => `${BOOT_ID}-${frame.seq}`;

/** How old the source's last good reading is (grows while the source fails). */
function ageOf(hub: { lastReadOkAt: number }): number {
  return hub.lastReadOkAt === 0 ? 0 : Math.max(0, Date.now() - hub.lastReadOkAt);
}

/**
 * A subscriber's view of a hub: the current frame first (unless `lastEventId` is it), then each
 * change, and a heartbeat after `heartbeatMs` of quiet. Only the newest unsent frame is kept, so
 * a slow client never makes the server buffer; unsubscribes when the signal aborts or the
 * consumer stops.
 */
export async function* followHub<T>(
  hub: LiveHub<T>,
  options: { signal?: AbortSignal; heartbeatMs: number; lastEventId?: string | null },
): AsyncGenerator<LiveUpdate<T> | LiveHeartbeat> {
  const { signal } = options;
  const box: { pending: LiveFrame<T> | null } = { pending: null };
  let wake: (() => void) | null = null;
  const unsubscribe = hub.subscribe((frame) => {
    box.pending = frame;
    wake?.();
  });
  const current = hub.latest;
  if (current && frameId(current) !== options.lastEventId) box.pending = current;
  const onAbort = () => wake?.();
  signal?.addEventListener("abort", onAbort);
  try {
    while (!signal?.aborted) {
      const next = box.pending;
      if (next) {
        box.pending = null;
        yield { kind: "update", id: frameId(next), value: next.value, ageMs: ageOf(hub) };
        continue;
      }
      const quiet = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          wake = null;
          resolve(true);
        }, options.heartbeatMs);
        wake = () => {
          clearTimeout(timer);
          wake = null;
          resolve(false);
        };
      });
      if (quiet && !signal?.aborted) yield { kind: "heartbeat", ageMs: ageOf(hub) };
    }
  } finally {
    wake = null;
    unsubscribe();
    signal?.removeEventListener("abort", onAbort);
  }
}
