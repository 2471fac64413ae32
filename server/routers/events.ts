import { getAllStreamStats } from "@/lib/events/stream-stats";
import { router, viewerProcedure } from "@/server/trpc";

export const eventsRouter = router({
  /** Every stream: length, rate, and per group lag, pending, consumers, oldest pending age. */
  streams: viewerProcedure.query(({ ctx }) => getAllStreamStats(ctx.bus.redis, ctx.bus.prefix)),
});
