import { GATEWAY_STATS_TTL_SECONDS } from "@/lib/resilience/stats-publisher";
import type { GatewayStatsSnapshot } from "@/lib/resilience/stats-snapshot";
import type { UpstreamSeries } from "./evaluate";

/** A snapshot older than its key's TTL is a gateway that is gone. */
export const SNAPSHOT_MAX_AGE_MS = GATEWAY_STATS_TTL_SECONDS * 1000;

/** The latest snapshot of each gateway, as the guard hears them. */
export class GatewayStatsCache {
  private readonly latest = new Map<string, { snapshot: GatewayStatsSnapshot; atMs: number }>();

  /** Keeps `snapshot` unless an equal or newer one of the same gateway is already held. */
  put(snapshot: GatewayStatsSnapshot): boolean {
    const atMs = Date.parse(snapshot.at);
    const held = this.latest.get(snapshot.gatewayId);
    if (held && held.atMs >= atMs) return false;
    this.latest.set(snapshot.gatewayId, { snapshot, atMs });
    return true;
  }

  /** Every live gateway's upstreams; snapshots older than SNAPSHOT_MAX_AGE_MS are dropped. */
  upstreams(nowMs: number): UpstreamSeries[] {
    const upstreams: UpstreamSeries[] = [];
    for (const [gatewayId, { snapshot, atMs }] of this.latest) {
      if (nowMs - atMs > SNAPSHOT_MAX_AGE_MS) {
        this.latest.delete(gatewayId);
        continue;
      }
      upstreams.push(...snapshot.upstreams);
    }
    return upstreams;
  }

  /** How far the held statistics reach: the oldest live snapshot's time, or null with none. */
  observedAt(nowMs: number): Date | null {
    let oldest: number | null = null;
    for (const { atMs } of this.latest.values()) {
      if (nowMs - atMs > SNAPSHOT_MAX_AGE_MS) continue;
      oldest = oldest === null ? atMs : Math.min(oldest, atMs);
    }
    return oldest === null ? null : new Date(oldest);
  }

  get gateways(): number {
    return this.latest.size;
  }
}
