import type { DomainTranslator } from "@/lib/data-sync/sync-table";
import { mappedTable, projectionSeed } from "./column-map";

/**
 * Reputation: legacy `ratings` ↔ service `ratings` and legacy `reputation_scores` ↔ service
 * `scores` (the same columns), and the tutoring activity a score counts, seeded from legacy
 * interactions and sessions as learning.InteractionCreated and marketplace.SessionCompleted
 * build it.
 */
export const REPUTATION_TRANSLATOR: DomainTranslator = {
  domain: "reputation",
  tables: [
    mappedTable({
      legacy: { table: "ratings", key: ["id"] },
      service: { table: "ratings", key: ["id"] },
      columns: [
        "id",
        "rater_id",
        "subject_id",
        "stars",
        "comment",
        "session_id",
        "interaction_id",
        "created_at",
      ],
    }),
    mappedTable({
      legacy: { table: "reputation_scores", key: ["user_id"] },
      service: { table: "scores", key: ["user_id"] },
      columns: [
        "user_id",
        "score_hundredths",
        "rating_count",
        "star_sum",
        "interaction_count",
        "completed_session_count",
        "updated_at",
      ],
    }),
  ],
  projections: [
    projectionSeed({
      legacy: { table: "interactions", key: ["id"] },
      service: { table: "taught_interactions", key: ["interaction_id"] },
      build: (column) => ({
        interaction_id: column("id"),
        tutor_id: column("tutor_id"),
        student_id: column("student_id"),
        occurred_at: column("occurred_at"),
        // The legacy runtime counted the interaction into the tutor's score when it stored it.
        recorded_at: column("created_at"),
      }),
    }),
    projectionSeed({
      legacy: { table: "sessions", key: ["id"] },
      service: { table: "completed_sessions", key: ["session_id"] },
      build: (column) => ({
        session_id: column("id"),
        tutor_id: column("tutor_id"),
        student_id: column("student_id"),
        completed_at: column("completed_at"),
        // The legacy runtime counted the session into the tutor's score when it completed it.
        recorded_at: column("completed_at"),
      }),
    }),
  ],
};
