/** Past this age the wall says its data is stale (heartbeats come every 3 s). */
export const WALL_STALE_AFTER_MS = 8_000;

/** How old the wall's data is now: the time since the last event plus the source's age then. */
export function dataAgeMs(now: number, lastHeardAt: number, sourceAgeMs: number): number {
  return Math.max(0, now - lastHeardAt) + sourceAgeMs;
}

/** The freshness line, said plainly: "live", or "stale — last update 14 s ago". */
export function freshnessLabel(ageMs: number | null): { stale: boolean; text: string } {
  if (ageMs === null) return { stale: true, text: "waiting for the first update…" };
  if (ageMs <= WALL_STALE_AFTER_MS) return { stale: false, text: "live" };
  return { stale: true, text: `stale — last update ${humanAge(ageMs)} ago` };
}

/** 14 s, 3 min, 2 h, 1 d. */
export function humanAge(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min`;
  const h = Math.round(m / 60);
  if (h < 36) return `${h} h`;
  return `${Math.round(h / 24)} d`;
}
