import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/routers/index";

type Outputs = inferRouterOutputs<AppRouter>;

/** A domain as `migration.get` returns it (the board's rows carry more). */
export type DomainView = Outputs["migration"]["get"]["domain"];

/** A board row: the domain with its shadow parity and rollout in flight. */
export type BoardDomain = Outputs["migration"]["board"]["domains"][number];
