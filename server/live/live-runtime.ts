import type { ControlDb } from "@/server/db/client";
import type { EventBus } from "@/server/events/event-bus";
import { argoHealthOf } from "@/server/gitops/argo-health-source";
import { type LiveState, readLiveState } from "@/server/wall/wall-snapshot";
import { WallTokenWatch } from "@/server/wall/wall-token-watch";
import { LiveHub } from "./live-hub";

/** The producer reads this often while anyone listens: a change shows within about this. */
export const LIVE_POLL_MS = 250;
/** A quiet stream says it is alive this often; the client calls data stale after a few misses. */
export const LIVE_HEARTBEAT_MS = 3_000;

type Runtime = { hub: LiveHub<LiveState>; watch: WallTokenWatch };

// Kept on globalThis: Next.js may load this module once per route bundle, and there must be
// one producer per process (per database handle, so that tests get their own).
const holder = globalThis as unknown as { keikoLive?: WeakMap<ControlDb, Runtime> };

/** The process's live producer and wall-token watch for this database and bus. */
export function liveRuntime(db: ControlDb, bus: EventBus): Runtime {
  holder.keikoLive ??= new WeakMap();
  let runtime = holder.keikoLive.get(db);
  if (!runtime) {
    runtime = {
      hub: new LiveHub({
        read: () => readLiveState(db, bus, argoHealthOf()),
        intervalMs: LIVE_POLL_MS,
      }),
      watch: new WallTokenWatch(db),
    };
    holder.keikoLive.set(db, runtime);
  }
  return runtime;
}
