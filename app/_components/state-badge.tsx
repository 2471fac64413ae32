import { MIGRATION_STATES, type MigrationState } from "@/lib/contracts/domains";

const styles: Record<MigrationState, string> = {
  legacy: "border-slate-600 bg-slate-800 text-slate-200",
  shadow: "border-violet-700 bg-violet-950 text-violet-200",
  canary: "border-amber-600 bg-amber-950 text-amber-200",
  migrated: "border-emerald-600 bg-emerald-950 text-emerald-200",
};

export function StateBadge({ state, weight }: { state: MigrationState; weight: number }) {
  return (
    <span
      data-testid="state-badge"
      className={`inline-flex items-center gap-1 rounded-full border px-2.5 py-0.5 text-xs font-medium ${styles[state]}`}
    >
      {state}
      {state === "canary" && <span className="font-mono">{weight} %</span>}
    </span>
  );
}

/** legacy → shadow → canary → migrated, with the steps reached so far lit. */
export function StatePipeline({ state }: { state: MigrationState }) {
  const reached = MIGRATION_STATES.indexOf(state);
  return (
    <ol className="flex items-center gap-1" aria-label={`pipeline at ${state}`}>
      {MIGRATION_STATES.map((step, i) => (
        <li key={step} className="flex items-center gap-1">
          <span
            title={step}
            className={`h-1.5 w-8 rounded-full ${i <= reached ? (state === "migrated" ? "bg-emerald-400" : "bg-sky-400") : "bg-slate-700"}`}
          />
        </li>
      ))}
    </ol>
  );
}
