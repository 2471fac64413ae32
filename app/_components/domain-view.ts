import type { RouterOutputs } from "./router-types";

type Outputs = RouterOutputs;

/** A domain as `migration.get` returns it (the board's rows carry more). */
export type DomainView = Outputs["migration"]["get"]["domain"];

/** A board row: the domain with its shadow parity and rollout in flight. */
export type BoardDomain = Outputs["migration"]["board"]["domains"][number];
