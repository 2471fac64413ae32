import type { TimelineKindName } from "@/lib/contracts/timeline";

type Data = Record<string, unknown>;

const text = (v: unknown): string => (typeof v === "string" ? v : "");
const num = (v: unknown): number => (typeof v === "number" ? v : Number(v ?? 0));

function where(state: unknown, weight: unknown): string {
  return state === "canary" ? `canary ${num(weight)} %` : text(state);
}

function routeSummary(data: Data): string {
  const from = where(data.fromState, data.fromWeight);
  const to = where(data.toState, data.toWeight);
  return `${from} → ${to}: ${text(data.reason)}`;
}

/** The audit row's change said in a line: the action, its target and the reason given. */
function actionSummary(data: Data): string {
  const after = (data.after ?? {}) as Data;
  const reason = text(after.reason);
  return `${text(data.action)} ${text(data.target)}${reason ? `: ${reason}` : ""}`;
}

function dataSyncSummary(data: Data): string {
  switch (data.step) {
    case "backfill-started":
      return `backfill started (${num(data.rowsTotal)} rows to copy)`;
    case "backfill-finished":
      return `backfill finished: ${num(data.rowsCopied)} rows copied`;
    case "verification": {
      if (data.status === "failed") return `verification failed: ${text(data.error)}`;
      const differences = num(data.differences);
      return differences > 0
        ? `verification found ${differences} differences in ${num(data.rowsCompared)} rows`
        : `verification passed: ${num(data.rowsCompared)} rows equal on both sides`;
    }
    case "fence": {
      const fence = (data.fence ?? {}) as Data;
      const drained = fence.drained === true ? "drained" : "not drained";
      const note = text(fence.note);
      return `writes fenced for ${num(fence.fenceMs)} ms during the rollback, ${drained}${note ? ` (${note})` : ""}`;
    }
    default:
      return text(data.summary);
  }
}

/** One line that says what happened, from a source row's `data` (timeline-sources.ts). */
export function summarize(kind: TimelineKindName, key: string, data: Data): string {
  if (key.startsWith("event:")) return text(data.summary);
  if (key.startsWith("route:")) return routeSummary(data);
  if (kind === "operator_action") return actionSummary(data);
  if (kind === "data_sync") return dataSyncSummary(data);
  return text(data.summary);
}
