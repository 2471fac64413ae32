"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { DomainName } from "@/lib/contracts/domains";
import { ErrorNote } from "../error-note";
import { LIVE_REFRESH_MS } from "../live";
import { TimeAgo } from "../time-ago";
import { useTRPC } from "../trpc-provider";
import { Pager, useKeysetPages } from "../ui/pager";
import { formatCount, formatKey } from "./data-format";
import { imageOf } from "./data-view";
import { ImageDiff } from "./image-diff";

const PAGE_SIZE = 20;

/** Rows written on both sides within the lag: which side won, and both images. */
export function ConflictList({ domain, count }: { domain: DomainName; count: number }) {
  const trpc = useTRPC();
  const pages = useKeysetPages<number>();
  const [expanded, setExpanded] = useState<number | null>(null);
  const page = useQuery(
    trpc.data.conflicts.queryOptions(
      { domain, cursor: pages.cursor, limit: PAGE_SIZE },
      {
        refetchInterval: pages.isNewest ? LIVE_REFRESH_MS : false,
        placeholderData: keepPreviousData,
      },
    ),
  );
  const items = page.data?.items ?? [];
  return (
    <section
      aria-label="conflicts"
      className="space-y-3 rounded-lg border border-slate-800 bg-slate-950/60 p-4"
    >
      <header className="flex flex-wrap items-baseline gap-3">
        <h3 className="text-sm font-semibold">
          Conflicts{" "}
          <span
            className={`font-mono ${count > 0 ? "text-amber-300" : "text-slate-400"}`}
            data-testid="conflict-count"
          >
            {formatCount(count)}
          </span>
        </h3>
        <span className="text-xs text-slate-500">
          The change captured later wins; the other image is kept here.
        </span>
      </header>
      {page.isError && (
        <ErrorNote message={`Could not read the conflicts: ${page.error.message}`} />
      )}
      {page.data && items.length === 0 && pages.isNewest ? (
        <p className="text-sm text-slate-400" data-testid="conflicts-empty">
          No conflict: no row was written on both sides at once.
        </p>
      ) : (
        <div className="overflow-hidden rounded border border-slate-800">
          <ul className="divide-y divide-slate-800" data-testid="conflict-rows">
            {items.map((c) => {
              const isOpen = expanded === c.id;
              return (
                <li key={c.id}>
                  <button
                    type="button"
                    aria-expanded={isOpen}
                    onClick={() => setExpanded(isOpen ? null : c.id)}
                    className="flex w-full flex-wrap items-center gap-x-4 gap-y-1 px-3 py-2 text-left text-sm hover:bg-slate-900"
                  >
                    <span className="font-mono text-xs text-slate-200">{c.tableName}</span>
                    <span className="min-w-0 flex-1 truncate font-mono text-xs text-slate-400">
                      {formatKey(c.rowKey)}
                    </span>
                    <span className="rounded-full border border-slate-600 px-2 py-0.5 text-xs text-slate-200">
                      {c.winner} won
                    </span>
                    <span className="text-xs text-slate-500">
                      <TimeAgo date={c.at} />
                    </span>
                    <span aria-hidden className="text-xs text-slate-500">
                      {isOpen ? "▾" : "▸"}
                    </span>
                  </button>
                  {isOpen && (
                    <div className="border-t border-slate-800 bg-slate-900/60 px-3 py-3">
                      <ImageDiff
                        legacy={imageOf(c.legacyImage)}
                        service={imageOf(c.serviceImage)}
                        legacyLabel={c.winner === "legacy" ? "Legacy (won)" : "Legacy (lost)"}
                        serviceLabel={c.winner === "service" ? "Service (won)" : "Service (lost)"}
                        open
                      />
                    </div>
                  )}
                </li>
              );
            })}
          </ul>
          <Pager pages={pages} next={page.data?.nextCursor} />
        </div>
      )}
    </section>
  );
}
