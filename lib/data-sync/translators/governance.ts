import type { DomainTranslator } from "@/lib/data-sync/sync-table";
import { mappedTable, projectionSeed } from "./column-map";

/**
 * Governance: legacy `proposals` ↔ service `proposals` (legacy `<choice>_votes` tallies are the
 * service's `<choice>_count`), legacy `votes` ↔ service `votes`, and the `members` projection
 * seeded from legacy `users` as identity.UserRegistered builds it.
 */
export const GOVERNANCE_TRANSLATOR: DomainTranslator = {
  domain: "governance",
  tables: [
    mappedTable({
      legacy: { table: "proposals", key: ["id"] },
      service: { table: "proposals", key: ["id"] },
      columns: [
        "id",
        "title",
        "description",
        "proposer_id",
        "voting_starts_at",
        "voting_ends_at",
        ["yes_votes", "yes_count"],
        ["no_votes", "no_count"],
        ["abstain_votes", "abstain_count"],
        "outcome",
        "decided_at",
        "created_at",
      ],
    }),
    mappedTable({
      legacy: { table: "votes", key: ["proposal_id", "voter_id"] },
      service: { table: "votes", key: ["proposal_id", "voter_id"] },
      columns: ["proposal_id", "voter_id", "choice", "cast_at"],
    }),
  ],
  projections: [
    projectionSeed({
      legacy: { table: "users", key: ["id"] },
      service: { table: "members", key: ["user_id"] },
      build: (column) => ({
        user_id: column("id"),
        roles: column("roles"),
        registered_at: column("created_at"),
      }),
    }),
  ],
};
