import { consoleJaegerUiUrl } from "@/lib/config/console";
import { TimelineQuerySchema } from "@/lib/contracts/timeline";
import { listTimeline } from "@/server/timeline/timeline-query";
import { router, viewerProcedure } from "@/server/trpc";

export const timelineRouter = router({
  /** The merged timeline, newest first; one domain's or the whole platform's. */
  list: viewerProcedure
    .input(TimelineQuerySchema)
    .query(({ ctx, input }) => listTimeline(ctx.db, input)),
  /** Where trace ids link to (JAEGER_UI_URL), or null: the console then shows ids without links. */
  traceLinks: viewerProcedure.query(() => ({ jaegerUiUrl: consoleJaegerUiUrl() })),
});
