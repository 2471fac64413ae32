import type { DomainName } from "@/lib/contracts/domains";
import type { ArgoHealthSource, WallArgoHealth } from "@/server/wall/wall-snapshot";
import type { Environment } from "./argocd-names";
import { domainHealth } from "./gitops-overview";
import { gitopsRuntime } from "./gitops-runtime";

/**
 * Each domain's Application health in one environment (production: what users get), for the wall
 * and the live feed; empty when the console has no cluster, so the wall shows rollouts instead.
 */
export function argoHealthOf(environment: Environment = "production"): ArgoHealthSource {
  return async () => {
    const runtime = gitopsRuntime();
    if (!runtime.cache) return {};
    // never waits for the cluster: the live feed reads every 250 ms
    const { domains } = await domainHealth(runtime, 0);
    const health: Partial<Record<DomainName, WallArgoHealth>> = {};
    for (const { domain, environments } of domains) {
      const app = environments[environment];
      if (app) health[domain] = { health: app.health, sync: app.sync };
    }
    return health;
  };
}
