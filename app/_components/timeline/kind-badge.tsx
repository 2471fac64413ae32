import type { TimelineKindName, TimelineSeverity } from "@/lib/contracts/timeline";
import { KIND_LABELS } from "./timeline-filters";

const SEVERITY_STYLES: Record<TimelineSeverity, string> = {
  info: "border-slate-600 bg-slate-800 text-slate-200",
  warning: "border-amber-600 bg-amber-950 text-amber-200",
  critical: "border-rose-600 bg-rose-950 text-rose-200",
};

/** The kind of a timeline row, coloured by its severity. */
export function KindBadge({
  kind,
  severity,
}: {
  kind: TimelineKindName;
  severity: TimelineSeverity;
}) {
  return (
    <span
      data-testid="kind-badge"
      data-severity={severity}
      title={severity}
      className={`inline-flex whitespace-nowrap rounded-full border px-2 py-0.5 text-xs font-medium ${SEVERITY_STYLES[severity]}`}
    >
      {KIND_LABELS[kind]}
    </span>
  );
}
