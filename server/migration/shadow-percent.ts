import { eq, sql } from "drizzle-orm";
import type { ShadowPercentInput } from "@/lib/contracts/control";
import { ROUTES_CHANNEL } from "@/lib/contracts/domains";
import { recordAudit } from "@/server/audit/audit-log";
import type { ControlDb } from "@/server/db/client";
import { domains } from "@/server/db/schema/migration";
import { DomainError } from "@/server/errors";
import { type DomainRow, lockedDomain } from "./migration-service";

/**
 * Sets the share of a domain's requests the gateway mirrors to its new service while the domain
 * is in shadow (docs/decisions/0024). It may be set in any state, ready for the next shadow; the
 * routing itself (state, weight) does not change, so no migration event is written. The row,
 * its version and the audit row change in one transaction, and the gateway reloads on commit.
 */
export async function setShadowPercent(
  db: ControlDb,
  actor: string,
  request: ShadowPercentInput,
): Promise<DomainRow> {
  return db.transaction(async (tx) => {
    const current = await lockedDomain(tx, request.domain, request.expectedVersion);
    if (current.shadowPercent === request.percent) {
      throw new DomainError(
        "BAD_REQUEST",
        `${request.domain} already mirrors ${request.percent} % of its requests`,
      );
    }
    const [updated] = await tx
      .update(domains)
      .set({
        shadowPercent: request.percent,
        version: sql`${domains.version} + 1`,
        updatedAt: sql`now()`,
        updatedBy: actor,
      })
      .where(eq(domains.name, request.domain))
      .returning();
    if (!updated) throw new DomainError("CONFLICT", `domain ${request.domain} changed meanwhile`);
    await recordAudit(tx, {
      actor,
      action: "migration.shadow_percent",
      target: `domain:${request.domain}`,
      before: { shadowPercent: current.shadowPercent, version: current.version },
      after: {
        shadowPercent: updated.shadowPercent,
        version: updated.version,
        reason: request.reason,
      },
    });
    // delivered on commit: every gateway worker reloads this domain's route at once
    await tx.execute(sql`select pg_notify(${ROUTES_CHANNEL}, ${request.domain})`);
    return updated;
  });
}
