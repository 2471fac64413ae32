"use client";

import { TimeAgo } from "../time-ago";
import { DIRECTION_LABELS, formatCount, formatLag } from "./data-format";
import type { DataStatusView, DirectionView } from "./data-view";

/** The worst lag of a direction: its oldest waiting change, or the last one applied's. */
function lagOf(direction: DirectionView): number {
  return Math.max(direction.oldestPendingMs, direction.pending > 0 ? direction.lagMs : 0);
}

/** Both directions of the change stream, live: backlog, lag, the worker's beat and last error. */
export function SyncLagCard({ status }: { status: DataStatusView }) {
  const { directions, maxLagMs } = status;
  const down = directions.length === 0 || directions.some((d) => d.stale);
  return (
    <section
      aria-label="sync lag"
      className="flex flex-col gap-3 rounded-lg border border-slate-800 bg-slate-950/60 p-4"
    >
      <header className="flex items-baseline justify-between gap-2">
        <h3 className="text-sm font-semibold">Sync, both ways</h3>
        <span className="text-xs text-slate-500">lag allowed {formatLag(maxLagMs)}</span>
      </header>
      {down && (
        <p
          role="status"
          data-testid="sync-down"
          className="rounded border border-rose-800 bg-rose-950 px-3 py-2 text-sm font-medium text-rose-200"
        >
          The data sync is not running.{" "}
          <span className="font-normal text-rose-300">
            {directions.length === 0
              ? "No data-sync worker has reported for this domain yet: start workers/data-sync.ts."
              : "Its worker has stopped beating: changes wait until it runs again."}
          </span>
        </p>
      )}
      {directions.length > 0 && (
        <ul className="space-y-3" data-testid="sync-directions">
          {directions.map((d) => (
            <DirectionRow key={d.direction} direction={d} maxLagMs={maxLagMs} />
          ))}
        </ul>
      )}
    </section>
  );
}

function DirectionRow({ direction: d, maxLagMs }: { direction: DirectionView; maxLagMs: number }) {
  const lag = lagOf(d);
  const lagTone = d.stale
    ? "text-slate-500"
    : lag > maxLagMs
      ? "text-rose-300"
      : lag > maxLagMs / 2
        ? "text-amber-300"
        : "text-emerald-300";
  return (
    <li data-testid={`sync-${d.direction}`} className="space-y-1">
      <div className="flex items-baseline justify-between gap-2">
        <span className="font-mono text-sm text-slate-200">{DIRECTION_LABELS[d.direction]}</span>
        {d.stale ? (
          <span className="rounded border border-rose-700 px-1.5 text-xs font-semibold uppercase tracking-wide text-rose-300">
            stale
          </span>
        ) : (
          <span className={`font-mono text-sm ${lagTone}`} data-testid="sync-lag">
            lag {formatLag(lag)}
          </span>
        )}
      </div>
      <div className="flex flex-wrap gap-x-3 text-xs text-slate-400">
        <span>
          <span className={d.pending > 0 ? "text-amber-300" : "text-slate-200"}>
            {formatCount(d.pending)}
          </span>{" "}
          pending
        </span>
        <span>
          <span className="text-slate-200">{formatCount(d.appliedTotal)}</span> applied
        </span>
        {d.lastAppliedAt && (
          <span>
            last <TimeAgo date={d.lastAppliedAt} />
          </span>
        )}
        <span className={d.stale ? "text-rose-300" : undefined}>
          beat <TimeAgo date={d.heartbeatAt} />
        </span>
      </div>
      {d.lastError && (
        <p className="break-words rounded bg-rose-950/60 px-2 py-1 text-xs text-rose-200">
          Last error: {d.lastError}
        </p>
      )}
    </li>
  );
}
