import {
  DomainRefSchema,
  RollbackInputSchema,
  TransitionInputSchema,
} from "@/lib/contracts/control";
import {
  getDomain,
  listDomains,
  rollbackDomain,
  transitionDomain,
} from "@/server/migration/migration-service";
import { migrationProgress } from "@/server/migration/progress";
import { operatorProcedure, router, viewerProcedure } from "@/server/trpc";

export const migrationRouter = router({
  list: viewerProcedure.query(({ ctx }) => listDomains(ctx.db)),
  /** The board: every domain and the overall progress, in one round trip. */
  board: viewerProcedure.query(async ({ ctx }) => {
    const domains = await listDomains(ctx.db);
    return { domains, progress: migrationProgress(domains) };
  }),
  get: viewerProcedure
    .input(DomainRefSchema)
    .query(({ ctx, input }) => getDomain(ctx.db, input.domain)),
  transition: operatorProcedure
    .input(TransitionInputSchema)
    .mutation(({ ctx, input }) => transitionDomain(ctx.db, ctx.operator.username, input)),
  rollback: operatorProcedure
    .input(RollbackInputSchema)
    .mutation(({ ctx, input }) => rollbackDomain(ctx.db, ctx.operator.username, input)),
});
