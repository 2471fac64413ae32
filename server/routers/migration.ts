import {
  DomainRefSchema,
  RollbackInputSchema,
  ShadowPercentInputSchema,
  TransitionInputSchema,
} from "@/lib/contracts/control";
import { DomainError } from "@/server/errors";
import { migrationBoard } from "@/server/migration/board";
import {
  getDomain,
  listDomains,
  rollbackDomain,
  transitionDomain,
} from "@/server/migration/migration-service";
import { readParityCounts } from "@/server/migration/parity-source";
import { setShadowPercent } from "@/server/migration/shadow-percent";
import { operatorProcedure, router, viewerProcedure } from "@/server/trpc";

export const migrationRouter = router({
  list: viewerProcedure.query(({ ctx }) => listDomains(ctx.db)),
  /** The board: every domain and the overall progress, in one round trip. */
  board: viewerProcedure.query(({ ctx }) => migrationBoard(ctx.db, ctx.bus)),
  get: viewerProcedure
    .input(DomainRefSchema)
    .query(({ ctx, input }) => getDomain(ctx.db, input.domain)),
  transition: operatorProcedure.input(TransitionInputSchema).mutation(({ ctx, input }) => {
    if (input.overrideParity && ctx.operator.role !== "admin") {
      throw new DomainError("FORBIDDEN", "only an admin may override the parity threshold");
    }
    if (input.overrideData && ctx.operator.role !== "admin") {
      throw new DomainError("FORBIDDEN", "only an admin may override the data gate");
    }
    return transitionDomain(ctx.db, ctx.operator.username, input, (domain, since) =>
      readParityCounts(ctx.bus, domain, since),
    );
  }),
  /** The share of the domain's requests mirrored to its new service while in shadow. */
  setShadowPercent: operatorProcedure
    .input(ShadowPercentInputSchema)
    .mutation(({ ctx, input }) => setShadowPercent(ctx.db, ctx.operator.username, input)),
  rollback: operatorProcedure
    .input(RollbackInputSchema)
    .mutation(({ ctx, input }) => rollbackDomain(ctx.db, ctx.operator.username, input)),
});
