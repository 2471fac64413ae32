import type { DomainTranslator } from "@/lib/data-sync/sync-table";
import { mappedTable } from "./column-map";

/**
 * Identity: legacy `users` ↔ service `users`, the same columns on both sides. The service keeps
 * no projection of another domain, so nothing is seeded.
 */
export const IDENTITY_TRANSLATOR: DomainTranslator = {
  domain: "identity",
  tables: [
    mappedTable({
      legacy: { table: "users", key: ["id"] },
      service: { table: "users", key: ["id"] },
      columns: ["id", "did", "display_name", "roles", "created_at"],
    }),
  ],
  projections: [],
};
