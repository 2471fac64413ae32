import {
  TIMELINE_KINDS,
  TIMELINE_SEVERITIES,
  type TimelineKindName,
  type TimelineSeverity,
} from "@/lib/contracts/timeline";

/** What the person chose; empty sets mean "all". Times are `datetime-local` strings. */
export type TimelineFilterState = {
  kinds: TimelineKindName[];
  severities: TimelineSeverity[];
  from: string;
  to: string;
};

export const NO_FILTERS: TimelineFilterState = { kinds: [], severities: [], from: "", to: "" };

export const KIND_LABELS: Record<TimelineKindName, string> = {
  operator_action: "operator action",
  route_change: "route change",
  auto_rollback: "auto rollback",
  promotion: "promotion",
  breaker_transition: "breaker",
  dlq_spike: "DLQ spike",
  parity_drop: "parity",
  data_sync: "data sync",
  argocd_sync: "Argo CD sync",
  argocd_rollback: "Argo CD rollback",
};

export const ALL_KINDS = TIMELINE_KINDS;
export const ALL_SEVERITIES = TIMELINE_SEVERITIES;

/** Adds `value` to the set, or takes it out if it is there. */
export function toggle<T>(values: readonly T[], value: T): T[] {
  return values.includes(value) ? values.filter((v) => v !== value) : [...values, value];
}

/** The query's input for these filters (a `datetime-local` is in the browser's time zone). */
export function toQuery(filters: TimelineFilterState) {
  return {
    kinds: filters.kinds.length ? filters.kinds : undefined,
    severities: filters.severities.length ? filters.severities : undefined,
    from: filters.from ? new Date(filters.from) : undefined,
    to: filters.to ? new Date(filters.to) : undefined,
  };
}
