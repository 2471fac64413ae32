"use client";

import { useQuery } from "@tanstack/react-query";
import type { DomainName } from "@/lib/contracts/domains";
import type { RouterInputs, RouterOutputs } from "../router-types";
import { useTRPC } from "../trpc-provider";

export type QueryName = RouterInputs["metrics"]["range"]["query"];
export type ChartResult = RouterOutputs["metrics"]["range"];

/** Refresh about every step, never more often than every 5 s. */
function refreshMs(rangeSeconds: number): number {
  return Math.max(5_000, Math.min(60_000, (rangeSeconds / 240) * 1000));
}

/** One named query over the chosen window, refreshed as new points come in. */
export function useNamedQuery(
  query: QueryName,
  domain: DomainName | undefined,
  rangeSeconds: number,
) {
  const trpc = useTRPC();
  return useQuery(
    trpc.metrics.range.queryOptions(
      { query, domain, rangeSeconds },
      { refetchInterval: refreshMs(rangeSeconds), placeholderData: (previous) => previous },
    ),
  );
}

/** What to say under a chart's title while its data is not (yet) series. */
export function noteFor(result: {
  isPending: boolean;
  isError: boolean;
  error: { message: string } | null;
  data?: ChartResult;
}): string | undefined {
  if (result.isPending) return "loading…";
  if (result.isError) return result.error?.message ?? "failed";
  if (result.data && result.data.status !== "ok") return result.data.message;
  return undefined;
}
