import { CreateOperatorInputSchema, UpdateOperatorInputSchema } from "@/lib/contracts/control";
import { createOperator, listOperators, updateOperator } from "@/server/operators/operator-service";
import { adminProcedure, publicProcedure, router } from "@/server/trpc";

export const operatorsRouter = router({
  /** The signed-in operator (or null), so the console can adapt to the role. */
  me: publicProcedure.query(({ ctx }) => ctx.operator),
  list: adminProcedure.query(({ ctx }) => listOperators(ctx.db)),
  create: adminProcedure
    .input(CreateOperatorInputSchema)
    .mutation(({ ctx, input }) => createOperator(ctx.db, ctx.operator.username, input)),
  update: adminProcedure.input(UpdateOperatorInputSchema).mutation(({ ctx, input }) => {
    const { username, ...change } = input;
    return updateOperator(ctx.db, ctx.operator, username, change);
  }),
});
