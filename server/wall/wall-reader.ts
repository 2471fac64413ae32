import { TRPCError } from "@trpc/server";
import { publicProcedure } from "@/server/trpc";

/** The wall's read-only data: any signed-in operator (viewer and up), or a valid wall token. */
export const wallReaderProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.operator && !ctx.wall) {
    throw new TRPCError({
      code: "UNAUTHORIZED",
      message: "sign in, or open this wall with a wall token an admin gave you",
    });
  }
  return next({ ctx: { ...ctx, wall: ctx.operator ? null : (ctx.wall ?? null) } });
});
