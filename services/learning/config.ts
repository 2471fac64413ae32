import { loadServiceEnv } from "@/lib/config/service";

/** learning's configuration (DESIGN.md: port 8102, database keiko_learning). */
export const LEARNING_SERVICE = {
  name: "learning",
  database: "keiko_learning",
  port: 8102,
} as const;

export function loadLearningConfig() {
  return loadServiceEnv(LEARNING_SERVICE);
}
