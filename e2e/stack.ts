import { randomBytes } from "node:crypto";

/**
 * Names of the e2e stack's own databases and Redis prefix, derived from one run id that
 * playwright.config.ts sets before anything starts, so the server script and the specs agree.
 */
export function e2eStack(runId = process.env.E2E_RUN_ID) {
  if (!runId) throw new Error("E2E_RUN_ID is not set (playwright.config.ts sets it)");
  return {
    runId,
    controlDatabase: `keiko_e2e_${runId}_control`,
    passportDatabase: `keiko_e2e_${runId}_passport`,
    legacyDatabase: `keiko_e2e_${runId}_legacy`,
    learningDatabase: `keiko_e2e_${runId}_learning`,
    /**
     * Ports of the e2e stack's own processes, away from `npm start`'s; shifted with E2E_PORT so two
     * runs on one machine (each with its own E2E_PORT and KEIKO_NEXT_DIST_DIR) do not meet.
     */
    ports: {
      gateway: 18080 + portShift(),
      legacy: 18090 + portShift(),
      learning: 18102 + portShift(),
    },
    keyPrefix: `e2e:${runId}:`,
    serverUrl: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
    redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  };
}

function portShift(): number {
  return Number(process.env.E2E_PORT ?? 3100) - 3100;
}

/** A fresh run id: base-36 time first, so stale databases can be told by age. */
export function newRunId(): string {
  return `${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
}
