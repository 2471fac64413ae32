"use client";

import { useState } from "react";
import { NEXT_STATES } from "@/lib/contracts/domains";
import type { DomainView } from "./domain-view";
import { useCan } from "./operator-context";
import { TransitionDialog } from "./transition-dialog";

/** Advance and rollback buttons; disabled (with a reason on hover) for viewers. */
export function DomainActions({
  domain,
  compact = false,
}: {
  domain: DomainView;
  compact?: boolean;
}) {
  const canOperate = useCan("operator");
  const [mode, setMode] = useState<"advance" | "rollback" | null>(null);
  const canAdvance = NEXT_STATES[domain.state].length > 0;
  const canRollback = domain.state !== "legacy";
  const viewerHint = canOperate
    ? undefined
    : "Your role is viewer: operators can change the migration";
  const size = compact ? "px-2.5 py-1 text-xs" : "px-3 py-1.5 text-sm";
  return (
    <div className={`flex gap-2 ${compact ? "justify-end" : ""}`}>
      <button
        type="button"
        data-testid={`advance-${domain.name}`}
        disabled={!canOperate || !canAdvance}
        title={
          viewerHint ?? (canAdvance ? undefined : "Already migrated: the only way is a rollback")
        }
        onClick={() => setMode("advance")}
        className={`rounded bg-sky-500 font-medium text-slate-950 hover:bg-sky-400 disabled:cursor-not-allowed disabled:bg-slate-700 disabled:text-slate-400 ${size}`}
      >
        Advance…
      </button>
      <button
        type="button"
        data-testid={`rollback-${domain.name}`}
        disabled={!canOperate || !canRollback}
        title={viewerHint ?? (canRollback ? undefined : "Already on legacy")}
        onClick={() => setMode("rollback")}
        className={`rounded border border-rose-700 font-medium text-rose-200 hover:bg-rose-950 disabled:cursor-not-allowed disabled:border-slate-700 disabled:text-slate-500 ${size}`}
      >
        Rollback…
      </button>
      {mode && <TransitionDialog domain={domain} mode={mode} onClose={() => setMode(null)} />}
    </div>
  );
}
