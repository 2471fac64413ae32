"use client";

import { useQuery } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useEffect, useRef, useState } from "react";
import type { WallSnapshot } from "@/server/wall/wall-snapshot";
import { useTRPC } from "../trpc-provider";

const POLL_MS = 1_000;

export type WallFeed = {
  snapshot: WallSnapshot | null;
  /** Client time of the last event (update or heartbeat), and the source's age then. */
  lastHeardAt: number | null;
  sourceAgeMs: number;
  /** Snapshots received since the page opened: tests count updates with it. */
  updates: number;
  connection: "live" | "connecting" | "polling" | "refused";
  error: string | null;
};

/**
 * The wall's data: pushed over SSE (tracked ids, so a reconnect resumes), or with `poll` a query
 * refetched every second, the benchmark's baseline. Starts from the snapshot the page was served
 * with; only the newest snapshot is kept.
 */
export function useWallFeed(poll: boolean, initial: WallSnapshot | null): WallFeed {
  const trpc = useTRPC();
  const [feed, setFeed] = useState<Omit<WallFeed, "connection" | "error">>(() => ({
    snapshot: initial,
    lastHeardAt: initial ? Date.now() : null,
    sourceAgeMs: 0,
    updates: 0,
  }));
  const subscription = useSubscription(
    trpc.live.wall.subscriptionOptions(undefined, {
      enabled: !poll,
      onData: ({ data }) => {
        const heardAt = Date.now();
        setFeed((before) =>
          data.wall
            ? {
                snapshot: data.wall,
                lastHeardAt: heardAt,
                sourceAgeMs: data.ageMs,
                updates: before.updates + 1,
              }
            : { ...before, lastHeardAt: heardAt, sourceAgeMs: data.ageMs },
        );
      },
    }),
  );
  const polled = useQuery(
    trpc.live.wallSnapshot.queryOptions(undefined, {
      enabled: poll,
      refetchInterval: POLL_MS,
      refetchIntervalInBackground: true,
      retry: false,
    }),
  );
  const lastPolled = useRef<number>(0);
  useEffect(() => {
    if (!poll || !polled.data || polled.dataUpdatedAt === lastPolled.current) return;
    lastPolled.current = polled.dataUpdatedAt;
    const snapshot = polled.data;
    setFeed((before) => ({
      snapshot,
      lastHeardAt: Date.now(),
      sourceAgeMs: 0,
      updates: before.updates + 1,
    }));
  }, [poll, polled.data, polled.dataUpdatedAt]);

  if (poll) {
    return {
      ...feed,
      connection: polled.isError ? "refused" : "polling",
      error: polled.error?.message ?? null,
    };
  }
  const refused = subscription.status === "error";
  return {
    ...feed,
    connection: refused ? "refused" : subscription.status === "pending" ? "live" : "connecting",
    error: subscription.error?.message ?? null,
  };
}
