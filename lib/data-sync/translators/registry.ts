import { DOMAIN_NAMES, type DomainName } from "@/lib/contracts/domains";
import type { DomainTranslator, SyncTable } from "@/lib/data-sync/sync-table";
import { GOVERNANCE_TRANSLATOR } from "./governance";
import { IDENTITY_TRANSLATOR } from "./identity";
import { LEARNING_TRANSLATOR } from "./learning";
import { MARKETPLACE_TRANSLATOR } from "./marketplace";
import { PASSPORT_TRANSLATOR } from "./passport";
import { REPUTATION_TRANSLATOR } from "./reputation";

/** The translator of every domain: its synced tables (parents first) and projection seeds. */
export const DOMAIN_TRANSLATORS: Record<DomainName, DomainTranslator> = {
  identity: IDENTITY_TRANSLATOR,
  learning: LEARNING_TRANSLATOR,
  reputation: REPUTATION_TRANSLATOR,
  passport: PASSPORT_TRANSLATOR,
  governance: GOVERNANCE_TRANSLATOR,
  marketplace: MARKETPLACE_TRANSLATOR,
};

/** The translator of `domain`. */
export function translatorOf(domain: DomainName): DomainTranslator {
  return DOMAIN_TRANSLATORS[domain];
}

/**
 * The synced table of `domain` named `table` on `side` (as `sync_changes.table_name` names it),
 * or undefined when the domain does not sync that table.
 */
export function findSyncTable(
  domain: DomainName,
  side: "legacy" | "service",
  table: string,
): SyncTable | undefined {
  return DOMAIN_TRANSLATORS[domain].tables.find((synced) => synced[side].table === table);
}

/** The domain that owns the legacy table `table` (each legacy table has one owner), if any. */
export function ownerOfLegacyTable(table: string): DomainName | undefined {
  return DOMAIN_NAMES.find((domain) => findSyncTable(domain, "legacy", table) !== undefined);
}
