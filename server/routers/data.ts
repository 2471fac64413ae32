import { DomainRefSchema } from "@/lib/contracts/control";
import {
  BackfillCommandInputSchema,
  BackfillThrottleInputSchema,
  ConflictListInputSchema,
  QuarantineListInputSchema,
  QuarantineRetryInputSchema,
} from "@/lib/contracts/data-sync";
import {
  commandBackfill,
  requestVerification,
  retryQuarantined,
  throttleBackfill,
} from "@/server/data/data-commands";
import { dataStatus, listConflicts, listQuarantine } from "@/server/data/data-status";
import { operatorProcedure, router, viewerProcedure } from "@/server/trpc";

/** The data that moves with the traffic: backfill, sync lag, verification, quarantine, conflicts. */
export const dataRouter = router({
  /** Every domain's data status (the board's column and the wall read this). */
  overview: viewerProcedure.query(({ ctx }) => dataStatus(ctx.db)),
  status: viewerProcedure.input(DomainRefSchema).query(async ({ ctx, input }) => {
    const [status] = await dataStatus(ctx.db, input.domain);
    return status ?? null;
  }),
  quarantine: viewerProcedure
    .input(QuarantineListInputSchema)
    .query(({ ctx, input }) => listQuarantine(ctx.db, input)),
  conflicts: viewerProcedure
    .input(ConflictListInputSchema)
    .query(({ ctx, input }) => listConflicts(ctx.db, input)),
  backfill: operatorProcedure
    .input(BackfillCommandInputSchema)
    .mutation(({ ctx, input }) => commandBackfill(ctx.db, ctx.operator.username, input)),
  throttle: operatorProcedure
    .input(BackfillThrottleInputSchema)
    .mutation(({ ctx, input }) => throttleBackfill(ctx.db, ctx.operator.username, input)),
  verify: operatorProcedure
    .input(DomainRefSchema)
    .mutation(({ ctx, input }) => requestVerification(ctx.db, ctx.operator.username, input.domain)),
  retry: operatorProcedure
    .input(QuarantineRetryInputSchema)
    .mutation(({ ctx, input }) => retryQuarantined(ctx.db, ctx.operator.username, input)),
});
