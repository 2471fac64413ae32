import { z } from "zod";
import { ReasonSchema } from "@/lib/contracts/control";
import { DomainNameSchema } from "@/lib/contracts/domains";
import { domainParity, forceBreaker, gatewayStats } from "@/server/gateway/gateway-actions";
import { adminProcedure, router, viewerProcedure } from "@/server/trpc";

export const ForceBreakerInputSchema = z.object({
  domain: DomainNameSchema,
  side: z.enum(["legacy", "service"]),
  /** `null` hands the breaker back to automatic operation. */
  mode: z.enum(["open", "closed"]).nullable(),
  reason: ReasonSchema,
});

/** What the gateways report (stats, breakers, shadow parity), and breaker overrides for admins. */
export const gatewayRouter = router({
  stats: viewerProcedure.query(({ ctx }) => gatewayStats(ctx.bus)),
  parity: viewerProcedure
    .input(z.object({ domain: DomainNameSchema }))
    .query(({ ctx, input }) => domainParity(ctx.bus, input.domain)),
  forceBreaker: adminProcedure
    .input(ForceBreakerInputSchema)
    .mutation(({ ctx, input }) => forceBreaker(ctx.db, ctx.bus, ctx.operator.username, input)),
});
