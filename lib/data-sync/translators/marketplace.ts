import { type DomainTranslator, TranslationError } from "@/lib/data-sync/sync-table";
import { mappedTable, projectionSeed } from "./column-map";

/**
 * The score on the API's 0–100 scale from integer hundredths, as reputation puts it in
 * reputation.ScoreChanged (`scoreValue`) and the marketplace stores it from there.
 */
function scoreFromHundredths(hundredths: unknown): number {
  if (typeof hundredths !== "number" || !Number.isInteger(hundredths)) {
    throw new TranslationError(
      `score_hundredths must be a whole number, got ${String(hundredths)}`,
    );
  }
  return hundredths / 100;
}

/**
 * Marketplace: legacy `offers`, `bookings` and `sessions` ↔ the service's tables of the same
 * names and columns (parents first), and the `known_users` and `reputation_scores` projections
 * seeded from legacy `users` and `reputation_scores` as the events that keep them build them.
 */
export const MARKETPLACE_TRANSLATOR: DomainTranslator = {
  domain: "marketplace",
  tables: [
    mappedTable({
      legacy: { table: "offers", key: ["id"] },
      service: { table: "offers", key: ["id"] },
      columns: [
        "id",
        "tutor_id",
        "title",
        "subject",
        "description",
        "duration_minutes",
        "price_amount_minor",
        "price_currency",
        "status",
        "created_at",
      ],
    }),
    mappedTable({
      legacy: { table: "bookings", key: ["id"] },
      service: { table: "bookings", key: ["id"] },
      columns: ["id", "offer_id", "tutor_id", "student_id", "scheduled_at", "status", "created_at"],
    }),
    mappedTable({
      legacy: { table: "sessions", key: ["id"] },
      service: { table: "sessions", key: ["id"] },
      columns: [
        "id",
        "booking_id",
        "offer_id",
        "tutor_id",
        "student_id",
        "duration_seconds",
        "completed_at",
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
      }),
    }),
    projectionSeed({
      legacy: { table: "reputation_scores", key: ["user_id"] },
      service: { table: "reputation_scores", key: ["user_id"] },
      build: (column) => ({
        user_id: column("user_id"),
        score: scoreFromHundredths(column("score_hundredths")),
        changed_at: column("updated_at"),
      }),
    }),
  ],
};
