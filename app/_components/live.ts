"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useRef, useState } from "react";
import type { DomainName } from "@/lib/contracts/domains";
import type { ConsoleVersions } from "@/server/wall/wall-snapshot";
import { useTRPC } from "./trpc-provider";

/**
 * Pages without push poll at this rate (changes show within 2 seconds); pages with push fall back
 * to it while their stream is down.
 */
export const LIVE_REFRESH_MS = 1_000;

/** `?poll=1` keeps a page on 1-second polling: the benchmark's baseline. */
export function pollingRequested(): boolean {
  return (
    typeof window !== "undefined" && new URLSearchParams(window.location.search).get("poll") === "1"
  );
}

/**
 * Follows the console's change stream (one SSE connection per page) and refetches exactly the
 * queries whose version moved: the board, a domain, the gateways' stats, the dead letters.
 * Returns the refetch interval a page's queries should use: none while the stream is up.
 */
export function useLiveChanges(): { refetchInterval: number | false; connected: boolean } {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [polling] = useState(pollingRequested);
  const seen = useRef<ConsoleVersions | null>(null);
  const subscription = useSubscription(
    trpc.live.changes.subscriptionOptions(undefined, {
      enabled: !polling,
      onData: ({ data }) => {
        const next = data.versions;
        if (!next) return;
        // The first versions refetch everything once (a change may have landed between the
        // queries' load and the stream's start); later ones only what moved.
        const before = seen.current ?? { board: "", domains: {}, gateway: "", deadLetters: "" };
        seen.current = next;
        const refetch = (filter: { queryKey: readonly unknown[] }) =>
          void queryClient.invalidateQueries(filter);
        if (before.board !== next.board) {
          refetch(trpc.migration.board.pathFilter());
          refetch(trpc.migration.list.pathFilter());
        }
        for (const [name, version] of Object.entries(next.domains)) {
          const domain = name as DomainName;
          if (before.domains[domain] !== version) {
            refetch(trpc.migration.get.queryFilter({ domain }));
            refetch(trpc.rollout.pathFilter());
          }
        }
        if (before.gateway !== next.gateway) refetch(trpc.gateway.stats.pathFilter());
        if (before.deadLetters !== next.deadLetters) refetch(trpc.dlq.queues.pathFilter());
      },
    }),
  );
  const connected = !polling && subscription.status === "pending";
  return { refetchInterval: connected ? false : LIVE_REFRESH_MS, connected };
}
