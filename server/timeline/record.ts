import type { RecordedTimelineKind } from "@/lib/contracts/timeline";
import type { ControlDb } from "@/server/db/client";
import { timelineEvents } from "@/server/db/schema/timeline";

/** A transaction or the database itself. */
type Writer = Pick<ControlDb, "insert">;

export type TimelineKind = RecordedTimelineKind;

export type TimelineEntry = {
  kind: TimelineKind;
  /** The migration domain it concerns; omit for platform-wide events. */
  domain?: string;
  severity?: "info" | "warning" | "critical";
  summary: string;
  /** What recorded it: slo-guard, gitops, data-sync, ... */
  source: string;
  details?: unknown;
  traceId?: string;
  /** When it happened, if not now (a breaker's transition time as the gateway saw it). */
  at?: Date;
};

/** Appends one timeline row (things no other table records); see server/db/schema/timeline.ts. */
export async function recordTimelineEvent(tx: Writer, entry: TimelineEntry): Promise<void> {
  await tx.insert(timelineEvents).values({
    kind: entry.kind,
    domain: entry.domain ?? null,
    severity: entry.severity ?? "info",
    summary: entry.summary,
    source: entry.source,
    details: entry.details ?? null,
    traceId: entry.traceId ?? null,
    ...(entry.at && { at: entry.at }),
  });
}
