import { loadServiceEnv } from "@/lib/config/service";

/** passport's configuration (DESIGN.md: port 8104, database keiko_passport). */
export const PASSPORT_SERVICE = {
  name: "passport",
  database: "keiko_passport",
  port: 8104,
} as const;

export function loadPassportConfig() {
  return loadServiceEnv(PASSPORT_SERVICE);
}
