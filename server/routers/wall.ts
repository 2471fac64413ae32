import { liveRuntime } from "@/server/live/live-runtime";
import { adminProcedure, router } from "@/server/trpc";
import { CreateWallTokenInputSchema, WallTokenRefSchema } from "@/server/wall/wall-token-schemas";
import { createWallToken, listWallTokens, revokeWallToken } from "@/server/wall/wall-tokens";

/** Wall tokens: an admin creates one per screen (secret shown once) and revokes it. Audited. */
export const wallRouter = router({
  tokens: adminProcedure.query(({ ctx }) => listWallTokens(ctx.db)),
  createToken: adminProcedure
    .input(CreateWallTokenInputSchema)
    .mutation(({ ctx, input }) => createWallToken(ctx.db, ctx.operator.username, input)),
  revokeToken: adminProcedure.input(WallTokenRefSchema).mutation(async ({ ctx, input }) => {
    const revoked = await revokeWallToken(ctx.db, ctx.operator.username, input.id);
    liveRuntime(ctx.db, ctx.bus).watch.ended(revoked.id);
    return revoked;
  }),
});
