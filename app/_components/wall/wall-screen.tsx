"use client";

import { useEffect, useState } from "react";
import type { MigrationState } from "@/lib/contracts/domains";
import type { WallDomain, WallSide, WallSnapshot } from "@/server/wall/wall-snapshot";
import { useWallFeed } from "./use-wall-feed";
import { dataAgeMs, freshnessLabel } from "./wall-freshness";
import { WallPanels } from "./wall-panels";

const stateColor: Record<MigrationState, string> = {
  legacy: "bg-slate-700 text-white",
  shadow: "bg-violet-700 text-white",
  canary: "bg-amber-400 text-black",
  migrated: "bg-emerald-500 text-black",
};

/** Every second: the freshness line and the "ago" times move even when no data comes. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/**
 * The wall: the migration read from across a room, at 1920×1080 or 3840×2160 (sizes follow the
 * viewport width). Dark, large, no scrolling, nothing to click.
 */
export function WallScreen({ poll, initial }: { poll: boolean; initial: WallSnapshot | null }) {
  const feed = useWallFeed(poll, initial);
  const now = useNow();
  const age = feed.lastHeardAt === null ? null : dataAgeMs(now, feed.lastHeardAt, feed.sourceAgeMs);
  const fresh = freshnessLabel(age);
  const stale = fresh.stale || feed.connection === "refused";
  return (
    <div
      data-testid="wall"
      data-updates={feed.updates}
      data-connection={feed.connection}
      className="flex h-screen w-screen flex-col gap-[1.2em] overflow-hidden bg-black px-[2em] py-[1.5em] text-white"
      style={{ fontSize: "0.95vw" }}
    >
      <header className="flex items-center justify-between gap-[2em]">
        <h1 className="text-[2.4em] font-bold tracking-tight">Keiko migration</h1>
        {feed.snapshot && <Progress snapshot={feed.snapshot} />}
        <div className="flex flex-col items-end gap-[0.3em]">
          <span
            data-testid="wall-freshness"
            className={`rounded-[0.4em] px-[0.8em] py-[0.2em] text-[1.6em] font-bold ${stale ? "bg-rose-600 text-white" : "bg-emerald-500 text-black"}`}
          >
            {feed.connection === "refused"
              ? "no access"
              : fresh.stale
                ? fresh.text
                : poll
                  ? "live (polling)"
                  : "live"}
          </span>
          {/* the server's clock and time zone may differ from the screen's */}
          <span className="text-[1.2em] text-slate-300" suppressHydrationWarning>
            {feed.connection === "connecting" && feed.updates > 0 ? "reconnecting… · " : ""}
            {new Date(now).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}
          </span>
        </div>
      </header>
      {feed.connection === "refused" && (
        <p
          role="alert"
          data-testid="wall-refused"
          className="rounded-[0.5em] bg-rose-700 px-[1em] py-[0.6em] text-[1.8em] font-semibold"
        >
          This wall cannot read the migration: {feed.error ?? "access was refused"}. Ask an admin
          for a new wall token.
        </p>
      )}
      {feed.snapshot ? (
        <>
          <Scoreboard domains={feed.snapshot.domains} />
          <WallPanels snapshot={feed.snapshot} now={now} />
        </>
      ) : (
        feed.connection !== "refused" && (
          <p className="text-[2em] text-slate-300">Connecting to the control plane…</p>
        )
      )}
    </div>
  );
}

function Progress({ snapshot }: { snapshot: WallSnapshot }) {
  const { progress } = snapshot;
  return (
    <div className="flex flex-1 items-center gap-[1.5em]" data-testid="wall-progress">
      <div className="text-[1.6em]">
        <span className="font-bold" data-testid="wall-migrated">
          {progress.migrated} / {progress.total}
        </span>{" "}
        <span className="text-slate-300">migrated</span>
      </div>
      <div className="flex flex-1 items-center gap-[0.8em]">
        <div className="h-[1.1em] flex-1 overflow-hidden rounded-full bg-slate-800">
          <div
            className="h-full bg-emerald-400"
            style={{ width: `${progress.trafficOnNewServicePercent}%` }}
          />
        </div>
        <span className="text-[1.6em] font-bold tabular-nums" data-testid="wall-traffic">
          {progress.trafficOnNewServicePercent} %
        </span>
        <span className="text-[1.2em] text-slate-300">traffic on new services</span>
      </div>
    </div>
  );
}

function Scoreboard({ domains }: { domains: WallDomain[] }) {
  const showArgo = domains.some((d) => d.argo !== null);
  return (
    <table className="w-full table-fixed border-collapse text-left" data-testid="wall-scoreboard">
      <thead className="text-[1.15em] uppercase tracking-wide text-slate-400">
        <tr>
          <th className="w-[16%] pb-[0.4em]">Domain</th>
          <th className="w-[14%] pb-[0.4em]">Stage</th>
          <th className="w-[11%] pb-[0.4em] text-right">New traffic</th>
          <th className="w-[11%] pb-[0.4em] text-right">Parity</th>
          <th className="w-[18%] pb-[0.4em] text-right">Errors legacy → new</th>
          <th className="w-[18%] pb-[0.4em] text-right">p99 legacy → new</th>
          <th className="pb-[0.4em] pl-[1.5em]">{showArgo ? "Argo CD" : "Rollout"}</th>
        </tr>
      </thead>
      <tbody>
        {domains.map((d) => (
          <tr key={d.name} data-testid={`wall-row-${d.name}`} className="border-t border-slate-800">
            <td className="py-[0.45em] text-[2.1em] font-semibold">{d.displayName}</td>
            <td className="py-[0.45em]">
              <span
                data-testid="wall-state"
                className={`inline-block rounded-[0.35em] px-[0.5em] py-[0.1em] text-[1.7em] font-bold ${stateColor[d.state]}`}
              >
                {d.state}
                {d.state === "canary" ? ` ${d.canaryWeight}%` : ""}
              </span>
            </td>
            <td
              className="py-[0.45em] text-right text-[2.1em] font-bold tabular-nums"
              data-testid="wall-share"
            >
              {d.trafficPercent} %
            </td>
            <td
              className="py-[0.45em] text-right text-[2.1em] tabular-nums"
              data-testid="wall-parity"
            >
              <Parity percent={d.parityPercent} />
            </td>
            <td className="py-[0.45em] text-right text-[1.8em] tabular-nums">
              <Pair
                legacy={d.legacy}
                service={d.service}
                show={(s) => `${s.errorRatePercent}%`}
                bad={(s) => s.errorRatePercent >= 1}
              />
            </td>
            <td className="py-[0.45em] text-right text-[1.8em] tabular-nums">
              <Pair
                legacy={d.legacy}
                service={d.service}
                show={(s) => `${s.p99Ms} ms`}
                bad={(s) => s.p99Ms >= 1_000}
              />
            </td>
            <td className="truncate py-[0.45em] pl-[1.5em] text-[1.5em] text-slate-200">
              {showArgo ? <Argo domain={d} /> : <Rollout domain={d} />}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Parity({ percent }: { percent: number | null }) {
  if (percent === null) return <span className="text-slate-500">—</span>;
  const color =
    percent >= 99 ? "text-emerald-300" : percent >= 95 ? "text-amber-300" : "text-rose-400";
  return <span className={`font-bold ${color}`}>{percent} %</span>;
}

function Pair(props: {
  legacy: WallSide;
  service: WallSide;
  show: (side: NonNullable<WallSide>) => string;
  bad: (side: NonNullable<WallSide>) => boolean;
}) {
  const one = (side: WallSide) =>
    side && side.requests > 0 ? (
      <span className={props.bad(side) ? "font-bold text-rose-400" : "text-white"}>
        {props.show(side)}
      </span>
    ) : (
      <span className="text-slate-500">—</span>
    );
  return (
    <>
      {one(props.legacy)} <span className="text-slate-500">→</span> {one(props.service)}
    </>
  );
}

function Rollout({ domain }: { domain: WallDomain }) {
  if (!domain.rollout) return <span className="text-slate-500">—</span>;
  return (
    <span>
      step {domain.rollout.step}/{domain.rollout.steps}
      {domain.rollout.paused && <span className="ml-[0.4em] font-bold text-amber-300">paused</span>}
    </span>
  );
}

function Argo({ domain }: { domain: WallDomain }) {
  if (!domain.argo) return <span className="text-slate-500">—</span>;
  const healthy = domain.argo.health === "Healthy" && domain.argo.sync === "Synced";
  return (
    // one word when all is well, so the column is not cut; the sync status only when it is not Synced
    <span
      className={healthy ? "text-emerald-300" : "font-bold text-amber-300"}
      title={`${domain.argo.health} · ${domain.argo.sync}`}
    >
      {domain.argo.health}
      {domain.argo.sync !== "Synced" && ` · ${domain.argo.sync}`}
    </span>
  );
}
