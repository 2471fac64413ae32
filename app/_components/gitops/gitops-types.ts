import type { RouterInputs, RouterOutputs } from "../router-types";

/** The GitOps page's data as `gitops.overview` returns it. */
export type GitopsOverview = RouterOutputs["gitops"]["overview"];
export type EnvironmentGroup = GitopsOverview["environments"][number];
export type ApplicationRow = EnvironmentGroup["applications"][number];
export type DesiredEnvironment = NonNullable<EnvironmentGroup["desired"]>;
export type DomainRollbackResult = RouterOutputs["gitops"]["rollbackDomain"];
export type DomainHealth = RouterOutputs["gitops"]["domainHealth"];
export type DomainRollbackTarget = Pick<
  RouterInputs["gitops"]["rollbackDomain"],
  "domain" | "environment"
>;
