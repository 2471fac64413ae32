import {
  BulkJobRefSchema,
  BulkJobStartInputSchema,
  DeadLetterIdsInputSchema,
  DeadLetterListInputSchema,
  DeadLetterRefSchema,
  EditAndReplayInputSchema,
  PurgeQueueInputSchema,
} from "@/lib/contracts/dlq";
import {
  bulkJob,
  editAndReplay,
  getEntry,
  listEntries,
  listQueues,
  purgeEntries,
  purgeQueue,
  replayEntries,
  startBulk,
  stepBulk,
  unfinishedJobs,
} from "@/server/dlq/dlq-actions";
import { DomainError } from "@/server/errors";
import { adminProcedure, operatorProcedure, router, viewerProcedure } from "@/server/trpc";

export const dlqRouter = router({
  queues: viewerProcedure.query(({ ctx }) => listQueues(ctx.bus)),
  list: viewerProcedure
    .input(DeadLetterListInputSchema)
    .query(({ ctx, input }) => listEntries(ctx.bus, input)),
  get: viewerProcedure
    .input(DeadLetterRefSchema)
    .query(({ ctx, input }) => getEntry(ctx.bus, input.aggregateType, input.id)),
  replay: operatorProcedure
    .input(DeadLetterIdsInputSchema)
    .mutation(({ ctx, input }) => replayEntries(ctx.db, ctx.bus, ctx.operator, input)),
  editAndReplay: adminProcedure
    .input(EditAndReplayInputSchema)
    .mutation(({ ctx, input }) => editAndReplay(ctx.db, ctx.bus, ctx.operator, input)),
  purge: adminProcedure
    .input(DeadLetterIdsInputSchema)
    .mutation(({ ctx, input }) => purgeEntries(ctx.db, ctx.bus, ctx.operator, input)),
  purgeQueue: adminProcedure
    .input(PurgeQueueInputSchema)
    .mutation(({ ctx, input }) => purgeQueue(ctx.db, ctx.bus, ctx.operator, input)),
  /** Replay (operator) or purge (admin) everything matching a filter, step by step. */
  startBulk: operatorProcedure.input(BulkJobStartInputSchema).mutation(({ ctx, input }) => {
    if (input.action === "purge" && ctx.operator.role !== "admin") {
      throw new DomainError("FORBIDDEN", "purging dead letters needs the admin role");
    }
    return startBulk(ctx.db, ctx.bus, ctx.operator, input);
  }),
  stepBulk: operatorProcedure
    .input(BulkJobRefSchema)
    .mutation(({ ctx, input }) => stepBulk(ctx.db, ctx.bus, ctx.operator, input.jobId)),
  bulkJob: viewerProcedure
    .input(BulkJobRefSchema)
    .query(({ ctx, input }) => bulkJob(ctx.bus, input.jobId)),
  unfinishedJobs: viewerProcedure.query(({ ctx }) => unfinishedJobs(ctx.bus)),
});
