import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/routers/index";

/** A domain as the console receives it from `migration.board`. */
export type DomainView = inferRouterOutputs<AppRouter>["migration"]["board"]["domains"][number];
