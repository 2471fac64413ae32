"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "./trpc-provider";

/**
 * A trace id, linked to `${JAEGER_UI_URL}/trace/<id>` when the console has a trace UI configured;
 * the bare id otherwise, and a dash without one.
 */
export function TraceLink({
  traceId,
  full = false,
}: {
  traceId: string | null | undefined;
  /** Show all 32 digits rather than the first 8. */
  full?: boolean;
}) {
  const trpc = useTRPC();
  // Read once per tab: the setting only changes with a restart of the console.
  const links = useQuery(trpc.timeline.traceLinks.queryOptions(undefined, { staleTime: Infinity }));
  if (!traceId) return <span className="text-slate-500">—</span>;
  const short = full ? traceId : `${traceId.slice(0, 8)}…`;
  const base = links.data?.jaegerUiUrl;
  if (!base)
    return (
      <span className="font-mono text-xs text-slate-400" title={traceId}>
        {short}
      </span>
    );
  return (
    <a
      href={`${base}/trace/${traceId}`}
      target="_blank"
      rel="noreferrer"
      title={`trace ${traceId}`}
      data-testid="trace-link"
      className="font-mono text-xs text-sky-300 underline decoration-sky-700 hover:text-sky-200"
    >
      {short}
    </a>
  );
}
