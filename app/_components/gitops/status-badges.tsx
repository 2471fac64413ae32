const SYNC: Record<string, string> = {
  Synced: "border-emerald-700 bg-emerald-950 text-emerald-200",
  OutOfSync: "border-amber-600 bg-amber-950 text-amber-200",
};
const HEALTH: Record<string, string> = {
  Healthy: "border-emerald-700 bg-emerald-950 text-emerald-200",
  Progressing: "border-sky-700 bg-sky-950 text-sky-200",
  Degraded: "border-rose-700 bg-rose-950 text-rose-200",
  Missing: "border-rose-700 bg-rose-950 text-rose-200",
  Suspended: "border-violet-700 bg-violet-950 text-violet-200",
};
const OTHER = "border-slate-600 bg-slate-800 text-slate-300";
const PILL = "inline-flex items-center rounded-full border px-2 py-0.5 text-xs font-medium";

/** Argo CD's sync status (Synced, OutOfSync, Unknown). */
export function SyncBadge({ status }: { status: string }) {
  return (
    <span data-testid="sync-badge" className={`${PILL} ${SYNC[status] ?? OTHER}`}>
      {status}
    </span>
  );
}

/** Argo CD's health status (Healthy, Progressing, Degraded, Missing, Suspended, Unknown). */
export function HealthBadge({ status }: { status: string | null }) {
  const value = status ?? "—";
  return (
    <span data-testid="health-badge" className={`${PILL} ${HEALTH[value] ?? OTHER}`}>
      {value}
    </span>
  );
}

/** A Git revision, shortened like Argo CD's UI does. */
export function Revision({ value }: { value: string | null }) {
  if (!value) return <span className="text-slate-500">—</span>;
  return (
    <code title={value} className="font-mono text-xs text-slate-300">
      {/^[0-9a-f]{40}$/.test(value) ? value.slice(0, 7) : value}
    </code>
  );
}
