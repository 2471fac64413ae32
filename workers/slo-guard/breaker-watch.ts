import type { TimelineRecordInput } from "@/lib/contracts/timeline";
import type { BreakerState, GatewayStatsSnapshot } from "@/lib/resilience/stats-snapshot";
import { parseUpstreamKey, type UpstreamKey } from "@/lib/resilience/upstream-key";

const SEVERITY: Record<BreakerState, TimelineRecordInput["severity"]> = {
  open: "critical",
  "half-open": "warning",
  closed: "info",
};

function note(
  gatewayId: string,
  key: UpstreamKey | string,
  change: { from: BreakerState; to: BreakerState; at: string; forced: string | null },
): TimelineRecordInput | null {
  const upstream = parseUpstreamKey(key);
  if (!upstream) return null;
  const forced = change.forced ? ` (forced ${change.forced} by an operator)` : "";
  return {
    kind: "breaker_transition",
    domain: upstream.domain,
    severity: SEVERITY[change.to],
    summary: `breaker ${upstream.domain}/${upstream.side} ${change.from} → ${change.to}${forced}`,
    at: new Date(change.at),
    details: { gatewayId, side: upstream.side, from: change.from, to: change.to },
  };
}

/**
 * Turns the gateways' snapshots into one timeline note per breaker transition: the transitions a
 * snapshot lists, and a state that changed between two snapshots without one (a snapshot missed
 * while the subscription was down). Snapshots are per gateway; each gateway's breakers are its own.
 */
export class BreakerWatch {
  private readonly known = new Map<string, BreakerState>();

  /** A snapshot read at start (its transitions may be a previous guard's news): states only. */
  baseline(snapshot: GatewayStatsSnapshot): void {
    for (const upstream of snapshot.upstreams) {
      this.known.set(
        `${snapshot.gatewayId}|${upstream.domain}:${upstream.side}`,
        upstream.breaker.state,
      );
    }
  }

  /** A new snapshot of a gateway: the notes of what changed since its previous one. */
  observe(snapshot: GatewayStatsSnapshot): TimelineRecordInput[] {
    const notes: TimelineRecordInput[] = [];
    const reported = new Set<string>();
    const forcedOf = new Map(
      snapshot.upstreams.map((u) => [`${u.domain}:${u.side}`, u.breaker.forced]),
    );
    for (const transition of snapshot.transitions) {
      reported.add(transition.key);
      const made = note(snapshot.gatewayId, transition.key, {
        ...transition,
        forced: forcedOf.get(transition.key) ?? null,
      });
      if (made) notes.push(made);
    }
    for (const upstream of snapshot.upstreams) {
      const key = `${upstream.domain}:${upstream.side}`;
      const id = `${snapshot.gatewayId}|${key}`;
      const before = this.known.get(id);
      const now = upstream.breaker.state;
      this.known.set(id, now);
      if (before === undefined || before === now || reported.has(key)) continue;
      const made = note(snapshot.gatewayId, key, {
        from: before,
        to: now,
        at: upstream.breaker.since,
        forced: upstream.breaker.forced,
      });
      if (made) notes.push(made);
    }
    return notes;
  }
}
