import type { DomainRollbackResult } from "./gitops-types";

const TONE = {
  done: "text-emerald-300",
  skipped: "text-slate-400",
  failed: "text-rose-300",
} as const;

/** How long each part of a domain rollback took, and what it did. */
export function RollbackResult({ result }: { result: DomainRollbackResult }) {
  const parts = [
    { key: "route", label: "Traffic back to legacy", step: result.route },
    { key: "pause", label: "Auto-sync paused", step: result.pause },
    { key: "rollback", label: "Rollback operation set", step: result.rollback },
    { key: "argo", label: "Argo CD finished the sync", step: result.argo },
  ] as const;
  return (
    <section
      data-testid="domain-rollback-result"
      className="space-y-2 rounded-lg border border-slate-700 bg-slate-900 p-4 text-sm"
    >
      <h3 className="font-semibold">
        {result.domain} rolled back ({result.environment}) in{" "}
        <span data-testid="rollback-total-ms">{result.totalMs} ms</span>
      </h3>
      <ol className="space-y-1">
        {parts.map(({ key, label, step }) => (
          <li key={key} data-testid={`rollback-step-${key}`} className="flex gap-3">
            <span className="w-56 text-slate-300">{label}</span>
            <span className={`w-16 ${TONE[step.outcome]}`}>{step.outcome}</span>
            <span className="w-20 text-right font-mono">{step.ms} ms</span>
            <span className="text-slate-400">{step.note}</span>
          </li>
        ))}
      </ol>
      {result.route.fence && (
        <p className="text-xs text-slate-500">
          write fence held {result.route.fence.fenceMs} ms,{" "}
          {result.route.fence.drained ? "service → legacy sync drained" : result.route.fence.note}
        </p>
      )}
    </section>
  );
}
