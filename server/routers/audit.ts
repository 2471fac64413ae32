import { AuditQuerySchema } from "@/lib/contracts/control";
import { auditFacets, listAudit } from "@/server/audit/audit-log";
import { router, viewerProcedure } from "@/server/trpc";

export const auditRouter = router({
  list: viewerProcedure.input(AuditQuerySchema).query(({ ctx, input }) => listAudit(ctx.db, input)),
  facets: viewerProcedure.query(({ ctx }) => auditFacets(ctx.db)),
});
