import type { DomainName, MigrationState } from "@/lib/contracts/domains";
import { trafficOnNewService } from "@/lib/contracts/domains";
import type { BreakerState } from "@/lib/resilience/stats-snapshot";
import type { ControlDb } from "@/server/db/client";
import { listQueues } from "@/server/dlq/dlq-actions";
import type { EventBus } from "@/server/events/event-bus";
import { gatewayStats } from "@/server/gateway/gateway-actions";
import { migrationBoard } from "@/server/migration/board";

/** One side of a domain over the gateways' 60-second window; null when no gateway reports it. */
export type WallSide = { requests: number; errorRatePercent: number; p99Ms: number } | null;

/** Argo CD's view of a domain's application, once the GitOps issue feeds it; null until then. */
export type WallArgoHealth = { health: string; sync: string } | null;

export type WallDomain = {
  name: DomainName;
  displayName: string;
  state: MigrationState;
  canaryWeight: number;
  trafficPercent: number;
  parityPercent: number | null;
  parityCompared: number;
  legacy: WallSide;
  service: WallSide;
  rollout: { step: number; steps: number; paused: boolean } | null;
  argo: WallArgoHealth;
};

/** Everything the wall shows, rounded to what it shows: equal snapshots mean an equal screen. */
export type WallSnapshot = {
  domains: WallDomain[];
  progress: ReturnType<typeof import("@/server/migration/progress").migrationProgress>;
  breakers: {
    domain: DomainName;
    side: "legacy" | "service";
    state: BreakerState;
    forced: string | null;
  }[];
  deadLetters: { stream: string; depth: number; nearCap: boolean }[] | null;
  rollbacks: { id: number; domain: DomainName; from: MigrationState; reason: string; at: string }[];
  gatewaysReporting: number | null;
};

/** Versions of what the console's live pages show: a page refetches what changed, only that. */
export type ConsoleVersions = {
  board: string;
  domains: Partial<Record<DomainName, number>>;
  gateway: string | null;
  deadLetters: string | null;
};

export type LiveState = { wall: WallSnapshot; versions: ConsoleVersions };

/** Optional source of Argo CD health per domain (the GitOps issue plugs it in). */
export type ArgoHealthSource = () => Promise<Partial<Record<DomainName, WallArgoHealth>>>;

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * Reads the board (domains, parity, rollouts, automatic rollbacks), the gateways' stats and the
 * dead-letter queues with the functions the board, resilience and DLQ pages use. A failing
 * Redis leaves its parts empty (null); a failing database rejects.
 */
export async function readLiveState(
  db: ControlDb,
  bus: EventBus,
  argoHealth?: ArgoHealthSource,
): Promise<LiveState> {
  const [board, gateway, queues, argo] = await Promise.all([
    migrationBoard(db, bus),
    gatewayStats(bus).catch(() => null),
    listQueues(bus).catch(() => null),
    argoHealth ? argoHealth().catch(() => ({})) : Promise.resolve({}),
  ]);
  const sideOf = (domain: DomainName, side: "legacy" | "service"): WallSide => {
    const upstream = gateway?.upstreams.find((u) => u.domain === domain && u.side === side);
    if (!upstream) return null;
    return {
      requests: upstream.window.requests,
      errorRatePercent: round1(upstream.window.errorRate * 100),
      p99Ms: Math.round(upstream.window.p99Ms),
    };
  };
  const domains: WallDomain[] = board.domains.map((d) => ({
    name: d.name,
    displayName: d.displayName,
    state: d.state,
    canaryWeight: d.canaryWeight,
    trafficPercent: trafficOnNewService(d),
    parityPercent: d.parity.percent === null ? null : round1(d.parity.percent),
    parityCompared: d.parity.compared,
    legacy: sideOf(d.name, "legacy"),
    service: sideOf(d.name, "service"),
    rollout: d.plan
      ? {
          step: d.plan.currentStep + 1,
          steps: d.plan.steps.length,
          paused: d.plan.status === "paused",
        }
      : null,
    argo: (argo as Partial<Record<DomainName, WallArgoHealth>>)[d.name] ?? null,
  }));
  const wall: WallSnapshot = {
    domains,
    progress: board.progress,
    breakers: (gateway?.upstreams ?? [])
      .filter((u) => u.breaker.state !== "closed")
      .map((u) => ({
        domain: u.domain,
        side: u.side,
        state: u.breaker.state,
        forced: u.breaker.forced,
      })),
    deadLetters:
      queues
        ?.map((q) => ({ stream: q.aggregateType, depth: q.length, nearCap: q.nearCap }))
        .sort((a, b) => b.depth - a.depth || a.stream.localeCompare(b.stream)) ?? null,
    rollbacks: board.alerts.map((a) => ({
      id: a.id,
      domain: a.domain,
      from: a.fromState,
      reason: a.reason,
      at: a.at.toISOString(),
    })),
    gatewaysReporting: gateway ? gateway.gateways.length : null,
  };
  const versions: ConsoleVersions = {
    board: JSON.stringify([
      board.domains.map((d) => [
        d.version,
        d.parity.percent,
        d.parity.compared,
        d.plan?.currentStep,
        d.plan?.status,
        d.plan?.id,
      ]),
      board.alerts.map((a) => a.id),
    ]),
    domains: Object.fromEntries(board.domains.map((d) => [d.name, d.version])),
    gateway: gateway?.at ?? null,
    deadLetters: queues
      ? JSON.stringify(queues.map((q) => [q.aggregateType, q.length, q.dropped]))
      : null,
  };
  return { wall, versions };
}
