import { DomainRefSchema } from "@/lib/contracts/control";
import {
  RolloutActionInputSchema,
  StartRolloutInputSchema,
  UpdateSloPolicyInputSchema,
} from "@/lib/contracts/rollout";
import { readParityCounts } from "@/server/migration/parity-source";
import {
  abortRollout,
  activePlan,
  planHistory,
  promoteRollout,
  setRolloutPaused,
  startRollout,
} from "@/server/rollout/rollout-service";
import { getSloPolicy, listSloPolicies, updateSloPolicy } from "@/server/slo/slo-policies";
import { operatorProcedure, router, viewerProcedure } from "@/server/trpc";

/** Rollout plans (operator) and per-domain SLO policies (viewer reads, operator edits). */
export const rolloutRouter = router({
  active: viewerProcedure
    .input(DomainRefSchema)
    .query(({ ctx, input }) => activePlan(ctx.db, input.domain)),
  history: viewerProcedure
    .input(DomainRefSchema)
    .query(({ ctx, input }) => planHistory(ctx.db, input.domain)),
  start: operatorProcedure
    .input(StartRolloutInputSchema)
    .mutation(({ ctx, input }) =>
      startRollout(ctx.db, ctx.operator.username, input, (domain, since) =>
        readParityCounts(ctx.bus, domain, since),
      ),
    ),
  promote: operatorProcedure
    .input(RolloutActionInputSchema)
    .mutation(({ ctx, input }) => promoteRollout(ctx.db, ctx.operator.username, input)),
  pause: operatorProcedure
    .input(RolloutActionInputSchema)
    .mutation(({ ctx, input }) => setRolloutPaused(ctx.db, ctx.operator.username, input, true)),
  resume: operatorProcedure
    .input(RolloutActionInputSchema)
    .mutation(({ ctx, input }) => setRolloutPaused(ctx.db, ctx.operator.username, input, false)),
  abort: operatorProcedure
    .input(RolloutActionInputSchema)
    .mutation(({ ctx, input }) => abortRollout(ctx.db, ctx.operator.username, input)),
  policies: viewerProcedure.query(({ ctx }) => listSloPolicies(ctx.db)),
  policy: viewerProcedure
    .input(DomainRefSchema)
    .query(({ ctx, input }) => getSloPolicy(ctx.db, input.domain)),
  updatePolicy: operatorProcedure
    .input(UpdateSloPolicyInputSchema)
    .mutation(({ ctx, input }) => updateSloPolicy(ctx.db, ctx.operator.username, input)),
});
