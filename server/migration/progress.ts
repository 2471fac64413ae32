import { type MigrationState, trafficOnNewService } from "@/lib/contracts/domains";

type Placed = { state: MigrationState; canaryWeight: number };

/** The migration's overall progress, as the board and the wall screen show it. */
export function migrationProgress(domains: readonly Placed[]) {
  const total = domains.length;
  const count = (state: MigrationState) => domains.filter((d) => d.state === state).length;
  const share = total ? domains.reduce((sum, d) => sum + trafficOnNewService(d), 0) / total : 0;
  return {
    total,
    migrated: count("migrated"),
    canary: count("canary"),
    shadow: count("shadow"),
    legacy: count("legacy"),
    trafficOnNewServicePercent: Math.round(share * 10) / 10,
  };
}
