import type { DomainTranslator } from "@/lib/data-sync/sync-table";
import { mappedTable, projectionSeed } from "./column-map";

/**
 * Learning: legacy `interactions` ↔ service `interactions` (the same columns), and the
 * `known_users` projection seeded from legacy `users` as identity.UserRegistered builds it.
 */
export const LEARNING_TRANSLATOR: DomainTranslator = {
  domain: "learning",
  tables: [
    mappedTable({
      legacy: { table: "interactions", key: ["id"] },
      service: { table: "interactions", key: ["id"] },
      columns: [
        "id",
        "type",
        "content",
        "duration_seconds",
        "tutor_id",
        "student_id",
        "occurred_at",
        "created_at",
      ],
    }),
  ],
  projections: [
    projectionSeed({
      legacy: { table: "users", key: ["id"] },
      service: { table: "known_users", key: ["user_id"] },
      build: (column) => ({
        user_id: column("id"),
        roles: column("roles"),
        registered_at: column("created_at"),
        // The event sets it to when learning heard of the user; the registration is the earliest that can be.
        learned_at: column("created_at"),
      }),
    }),
  ],
};
