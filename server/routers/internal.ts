import { GuardPromoteInputSchema, GuardRollbackInputSchema } from "@/lib/contracts/guard";
import { TimelineRecordInputSchema } from "@/lib/contracts/timeline";
import { DEFAULT_FENCE } from "@/server/data/write-fence";
import { rollbackInTx, withRollbackFence } from "@/server/migration/migration-service";
import { promoteRollout } from "@/server/rollout/rollout-service";
import { guardState } from "@/server/slo/guard-state";
import { recordTimelineEvent } from "@/server/timeline/record";
import { internalProcedure, router } from "@/server/trpc";

/** The actor every automatic change is recorded under. */
export const GUARD_ACTOR = "slo-guard";

/** Procedures for workers/slo-guard, called with a service JWT (aud `control-plane`). */
export const internalRouter = router({
  guardState: internalProcedure("migration:rollback").query(({ ctx }) => guardState(ctx.db)),
  rollback: internalProcedure("migration:rollback")
    .input(GuardRollbackInputSchema)
    .mutation(({ ctx, input }) => {
      // The guard's decision holds only for the version it judged: a stale one changes nothing.
      const request = {
        domain: input.domain,
        reason: input.reason,
        expectedVersion: input.version,
      };
      return withRollbackFence(ctx.db, request, DEFAULT_FENCE, (tx, fence) =>
        rollbackInTx(tx, GUARD_ACTOR, request, {
          breach: input.breach,
          breachToRollbackMs: Date.now() - input.breach.firstSeenAt.getTime(),
          fence,
        }),
      );
    }),
  promote: internalProcedure("rollout:promote")
    .input(GuardPromoteInputSchema)
    .mutation(({ ctx, input }) =>
      promoteRollout(ctx.db, GUARD_ACTOR, {
        domain: input.domain,
        planId: input.planId,
        fromStep: input.fromStep,
        reason: "the hold was healthy",
      }),
    ),
  /** What slo-guard's watcher saw (breaker transitions, DLQ spikes, parity drops), under its name. */
  recordTimeline: internalProcedure("timeline:record")
    .input(TimelineRecordInputSchema)
    .mutation(async ({ ctx, input }) => {
      await recordTimelineEvent(ctx.db, { ...input, source: ctx.service.sub });
    }),
});
