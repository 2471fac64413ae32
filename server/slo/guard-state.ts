import type { GuardState } from "@/lib/contracts/guard";
import type { ControlDb } from "@/server/db/client";
import { listDomains } from "@/server/migration/migration-service";
import { statesSince } from "@/server/migration/state-since";
import { activePlans } from "@/server/rollout/rollout-service";
import { listSloPolicies } from "./slo-policies";

/** Everything slo-guard needs in one read: each domain's placement, policy and plan in flight. */
export async function guardState(db: ControlDb): Promise<GuardState> {
  const [domains, policies, plans] = await Promise.all([
    listDomains(db),
    listSloPolicies(db),
    activePlans(db),
  ]);
  const since = await statesSince(db, domains);
  return {
    at: new Date(),
    domains: domains.map((d) => {
      const policy = policies.find((p) => p.domain === d.name);
      if (!policy) throw new Error(`no policy for ${d.name}`);
      return {
        domain: d.name,
        state: d.state,
        canaryWeight: d.canaryWeight,
        version: d.version,
        stateSince: since.get(d.name) ?? d.updatedAt,
        policy,
        plan: plans.get(d.name) ?? null,
      };
    }),
  };
}
