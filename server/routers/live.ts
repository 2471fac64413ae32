import { TRPCError, tracked } from "@trpc/server";
import { z } from "zod";
import { argoHealthOf } from "@/server/gitops/argo-health-source";
import { followHub } from "@/server/live/follow-hub";
import { LIVE_HEARTBEAT_MS, liveRuntime } from "@/server/live/live-runtime";
import { router, viewerProcedure } from "@/server/trpc";
import { wallReaderProcedure } from "@/server/wall/wall-reader";
import { readLiveState } from "@/server/wall/wall-snapshot";

/** tRPC sends the last event id back on reconnect, so an unchanged state is not sent twice. */
const ResumeInputSchema = z.object({ lastEventId: z.string().max(64).nullish() }).optional();

/** Pushes over SSE: the wall's state, and the versions the console's live pages refetch on. */
export const liveRouter = router({
  /** The wall: the whole (small) snapshot on each change, a heartbeat when quiet. */
  wall: wallReaderProcedure.input(ResumeInputSchema).subscription(async function* ({
    ctx,
    input,
    signal,
  }) {
    const { hub, watch } = liveRuntime(ctx.db, ctx.bus);
    const ended = new AbortController();
    const unwatch = ctx.wall ? watch.watch(ctx.wall.tokenId, () => ended.abort()) : () => {};
    let lastId = input?.lastEventId ?? "none";
    try {
      const stop = signal ? AbortSignal.any([signal, ended.signal]) : ended.signal;
      for await (const item of followHub(hub, {
        signal: stop,
        heartbeatMs: LIVE_HEARTBEAT_MS,
        lastEventId: input?.lastEventId,
      })) {
        if (item.kind === "update") {
          lastId = item.id;
          yield tracked(item.id, { wall: item.value.wall, ageMs: item.ageMs });
        } else yield tracked(lastId, { wall: null, ageMs: item.ageMs });
      }
    } finally {
      unwatch();
    }
    if (ended.signal.aborted) {
      throw new TRPCError({
        code: "UNAUTHORIZED",
        message: "this wall token was revoked or has expired",
      });
    }
  }),
  /** The same state read directly: the wall's polling mode (`/wall?poll=1`), a benchmark baseline. */
  wallSnapshot: wallReaderProcedure.query(
    async ({ ctx }) => (await readLiveState(ctx.db, ctx.bus, argoHealthOf())).wall,
  ),
  /** Versions of the board, each domain, the gateways and the dead letters, sent when they change. */
  changes: viewerProcedure.input(ResumeInputSchema).subscription(async function* ({
    ctx,
    input,
    signal,
  }) {
    const { hub } = liveRuntime(ctx.db, ctx.bus);
    let lastId = input?.lastEventId ?? "none";
    let sent = "";
    for await (const item of followHub(hub, {
      signal,
      heartbeatMs: LIVE_HEARTBEAT_MS,
      lastEventId: input?.lastEventId,
    })) {
      if (item.kind === "update") {
        lastId = item.id;
        const versions = JSON.stringify(item.value.versions);
        if (versions === sent) continue;
        sent = versions;
        yield tracked(item.id, { versions: item.value.versions, ageMs: item.ageMs });
      } else yield tracked(lastId, { versions: null, ageMs: item.ageMs });
    }
  }),
  /** The producer's own numbers: subscribers, reads and watched walls (tests and benchmarks). */
  producer: viewerProcedure.query(({ ctx }) => {
    const { hub, watch } = liveRuntime(ctx.db, ctx.bus);
    return {
      listeners: hub.listenerCount,
      running: hub.running,
      reads: hub.reads,
      watchedWalls: watch.watcherCount,
    };
  }),
});
