import { eq, sql } from "drizzle-orm";
import type { DomainName } from "@/lib/contracts/domains";
import type { SloPolicy } from "@/lib/contracts/guard";
import type { UpdateSloPolicyInput } from "@/lib/contracts/rollout";
import { recordAudit } from "@/server/audit/audit-log";
import type { ControlDb } from "@/server/db/client";
import { domains } from "@/server/db/schema/migration";
import { sloPolicies } from "@/server/db/schema/rollout";
import { DomainError } from "@/server/errors";

/** The policy a domain has until someone edits it. */
export const DEFAULT_SLO_POLICY = {
  maxErrorRate: 0.05,
  maxP99Ms: 500,
  minRequests: 20,
  windowSeconds: 10,
  enabled: true,
} as const;

type Reader = Pick<ControlDb, "select">;

/** Every domain's policy (the default where none was saved). */
export async function listSloPolicies(db: Reader): Promise<SloPolicy[]> {
  const rows = await db
    .select({ domain: domains.name, policy: sloPolicies })
    .from(domains)
    .leftJoin(sloPolicies, eq(sloPolicies.domain, domains.name))
    .orderBy(domains.name);
  return rows.map(({ domain, policy }) => ({
    domain,
    maxErrorRate: policy?.maxErrorRate ?? DEFAULT_SLO_POLICY.maxErrorRate,
    maxP99Ms: policy?.maxP99Ms ?? DEFAULT_SLO_POLICY.maxP99Ms,
    minRequests: policy?.minRequests ?? DEFAULT_SLO_POLICY.minRequests,
    windowSeconds: policy?.windowSeconds ?? DEFAULT_SLO_POLICY.windowSeconds,
    enabled: policy?.enabled ?? DEFAULT_SLO_POLICY.enabled,
    version: policy?.version ?? 1,
  }));
}

export async function getSloPolicy(db: Reader, domain: DomainName): Promise<SloPolicy> {
  const policy = (await listSloPolicies(db)).find((p) => p.domain === domain);
  if (!policy) throw new DomainError("NOT_FOUND", `domain ${domain} does not exist`);
  return policy;
}

/** Saves a policy (optimistic concurrency on `version`), audited with before and after. */
export async function updateSloPolicy(db: ControlDb, actor: string, input: UpdateSloPolicyInput) {
  return db.transaction(async (tx) => {
    const before = await getSloPolicy(tx, input.domain);
    if (input.expectedVersion !== undefined && input.expectedVersion !== before.version) {
      throw new DomainError(
        "CONFLICT",
        `the SLO policy of ${input.domain} was changed meanwhile (version ${before.version}); reload and try again`,
      );
    }
    const { domain, expectedVersion: _, ...values } = input;
    const [saved] = await tx
      .insert(sloPolicies)
      .values({ domain, ...values, version: 1, updatedBy: actor })
      .onConflictDoUpdate({
        target: sloPolicies.domain,
        set: {
          ...values,
          version: sql`${sloPolicies.version} + 1`,
          updatedAt: sql`now()`,
          updatedBy: actor,
        },
      })
      .returning();
    await recordAudit(tx, {
      actor,
      action: "slo.update",
      target: `domain:${domain}`,
      before,
      after: saved,
    });
    return saved;
  });
}
