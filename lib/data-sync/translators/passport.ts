import type { DomainTranslator } from "@/lib/data-sync/sync-table";
import { mappedTable, projectionSeed } from "./column-map";

/**
 * Passport: legacy `passport_entries` ↔ service `passport_entries` (legacy `learning_seconds` is
 * the service's `duration_seconds`), and the `passports` projection seeded from legacy `users`:
 * legacy has no passports table because every registered user has one.
 */
export const PASSPORT_TRANSLATOR: DomainTranslator = {
  domain: "passport",
  tables: [
    mappedTable({
      legacy: { table: "passport_entries", key: ["id"] },
      service: { table: "passport_entries", key: ["id"] },
      columns: [
        "id",
        "user_id",
        "kind",
        "title",
        "description",
        "source_event_id",
        "source_key",
        "issuer_id",
        ["learning_seconds", "duration_seconds"],
        "occurred_at",
        "recorded_at",
      ],
    }),
  ],
  projections: [
    projectionSeed({
      legacy: { table: "users", key: ["id"] },
      service: { table: "passports", key: ["user_id"] },
      build: (column) => ({
        user_id: column("id"),
        roles: column("roles"),
        opened_at: column("created_at"),
      }),
    }),
  ],
};
