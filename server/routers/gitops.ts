import {
  refreshApplication,
  resumeAutoSync,
  rollbackApplication,
  syncApplication,
} from "@/server/gitops/application-actions";
import { toApplicationView } from "@/server/gitops/application-view";
import { rollbackDomainWithGit } from "@/server/gitops/domain-rollback";
import {
  ApplicationRefSchema,
  DomainEnvironmentSchema,
  DomainRollbackInputSchema,
  RefreshInputSchema,
  RollbackInputSchema,
  SyncInputSchema,
} from "@/server/gitops/gitops-inputs";
import { domainHealth, gitopsOverview } from "@/server/gitops/gitops-overview";
import { gitopsRuntime, requireCluster } from "@/server/gitops/gitops-runtime";
import { domainRollbackPreview } from "@/server/gitops/rollback-preview";
import { adminProcedure, operatorProcedure, router, viewerProcedure } from "@/server/trpc";

/** Argo CD through the Kubernetes API: the Applications, their actions, the Git-aware domain rollback. */
export const gitopsRouter = router({
  overview: viewerProcedure.query(() => gitopsOverview(gitopsRuntime())),
  /** Each domain's Application health and sync per environment (board and wall). */
  domainHealth: viewerProcedure.query(() => domainHealth(gitopsRuntime())),
  application: viewerProcedure.input(ApplicationRefSchema).query(async ({ input }) => {
    const { client } = requireCluster(gitopsRuntime());
    return toApplicationView(await client.get(input.name));
  }),
  rollbackPreview: viewerProcedure.input(DomainEnvironmentSchema).query(({ ctx, input }) => {
    const { client } = requireCluster(gitopsRuntime());
    return domainRollbackPreview(ctx.db, client, input);
  }),
  sync: operatorProcedure.input(SyncInputSchema).mutation(({ ctx, input }) => {
    const { client } = requireCluster(gitopsRuntime());
    return syncApplication(ctx.db, client, ctx.operator.username, input);
  }),
  refresh: operatorProcedure.input(RefreshInputSchema).mutation(({ ctx, input }) => {
    const { client } = requireCluster(gitopsRuntime());
    return refreshApplication(ctx.db, client, ctx.operator.username, input);
  }),
  resumeAutoSync: operatorProcedure.input(ApplicationRefSchema).mutation(({ ctx, input }) => {
    const { client } = requireCluster(gitopsRuntime());
    return resumeAutoSync(ctx.db, client, ctx.operator.username, input);
  }),
  /** Any history entry, as `argocd app rollback`: admin, since it can deploy any old revision. */
  rollback: adminProcedure.input(RollbackInputSchema).mutation(({ ctx, input }) => {
    const { client } = requireCluster(gitopsRuntime());
    return rollbackApplication(ctx.db, client, ctx.operator.username, input);
  }),
  /** The emergency button (operator): back to legacy, auto-sync paused, back to the last Healthy revision. */
  rollbackDomain: operatorProcedure.input(DomainRollbackInputSchema).mutation(({ ctx, input }) => {
    const { client } = requireCluster(gitopsRuntime());
    return rollbackDomainWithGit(ctx.db, client, ctx.operator.username, input);
  }),
});
