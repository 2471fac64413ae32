import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/routers";

/** What each procedure returns, as the client sees it: the one source of the console's view types. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
/** What each procedure accepts. */
export type RouterInputs = inferRouterInputs<AppRouter>;
