"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { DOMAIN_NAMES, type DomainName } from "@/lib/contracts/domains";
import { ErrorNote } from "../error-note";
import type { RouterOutputs } from "../router-types";
import { TimeAgo } from "../time-ago";
import { TraceLink } from "../trace-link";
import { useTRPC } from "../trpc-provider";
import { type Column, DataTable } from "../ui/data-table";
import { FormField, inputClass } from "../ui/form-field";
import { Pager, useKeysetPages } from "../ui/pager";
import { FilterChips } from "./filter-chips";
import { KindBadge } from "./kind-badge";
import { NO_FILTERS, type TimelineFilterState, toQuery } from "./timeline-filters";

type Item = RouterOutputs["timeline"]["list"]["items"][number];

// The newest page follows new rows at this pace; older pages stay still while read.
const TIMELINE_REFRESH_MS = 2_000;

const columns = (showDomain: boolean): Column<Item>[] => [
  {
    header: "When",
    className: "whitespace-nowrap",
    cellClassName: "font-mono text-xs text-slate-400",
    cell: (row) => (
      <span className="flex flex-col">
        <span>{row.at.toLocaleString()}</span>
        <span className="text-slate-500">
          <TimeAgo date={row.at} />
        </span>
      </span>
    ),
  },
  { header: "Kind", cell: (row) => <KindBadge kind={row.kind} severity={row.severity} /> },
  ...(showDomain
    ? [
        {
          header: "Domain",
          cell: (row: Item) =>
            row.domain ? (
              <Link href={`/domains/${row.domain}`} className="hover:text-white">
                {row.domain}
              </Link>
            ) : (
              <span className="text-slate-500">platform</span>
            ),
        },
      ]
    : []),
  { header: "What happened", className: "w-full", cell: (row) => row.summary },
  { header: "Who", className: "whitespace-nowrap", cell: (row) => row.actor },
  { header: "Trace", cell: (row) => <TraceLink traceId={row.traceId} /> },
];

/**
 * The merged timeline, newest first, filterable by kind, severity and time (and domain, on the
 * platform's); `domain` set: only that domain's rows.
 */
export function TimelineView({
  domain,
  pageSize = 25,
}: {
  domain?: DomainName;
  pageSize?: number;
}) {
  const trpc = useTRPC();
  const [filters, setFilters] = useState<TimelineFilterState>(NO_FILTERS);
  const [domainFilter, setDomainFilter] = useState<DomainName | "">("");
  const pages = useKeysetPages<string>();
  const query = useQuery(
    trpc.timeline.list.queryOptions(
      {
        ...toQuery(filters),
        domain: domain ?? (domainFilter || undefined),
        cursor: pages.cursor,
        limit: pageSize,
      },
      {
        refetchInterval: pages.isNewest ? TIMELINE_REFRESH_MS : false,
        placeholderData: keepPreviousData,
      },
    ),
  );
  const update = (change: Partial<TimelineFilterState>) => {
    setFilters((f) => ({ ...f, ...change }));
    pages.reset();
  };
  return (
    <div className="space-y-4" data-testid={domain ? `timeline-${domain}` : "timeline"}>
      <FilterChips
        filters={filters}
        onChange={update}
        onClear={() => {
          setFilters(NO_FILTERS);
          setDomainFilter("");
          pages.reset();
        }}
        extra={
          !domain && (
            <FormField label="Domain">
              <select
                name="domain"
                className={inputClass}
                value={domainFilter}
                onChange={(e) => {
                  setDomainFilter(e.target.value as DomainName | "");
                  pages.reset();
                }}
              >
                <option value="">all domains</option>
                {DOMAIN_NAMES.map((name) => (
                  <option key={name}>{name}</option>
                ))}
              </select>
            </FormField>
          )
        }
      />
      {query.isError && (
        <ErrorNote message={`Could not load the timeline: ${query.error.message}`} />
      )}
      <DataTable
        columns={columns(!domain)}
        rows={query.data?.items}
        rowKey={(row) => row.key}
        rowTestId={() => "timeline-row"}
        testId="timeline-rows"
        empty="Nothing happened that matches these filters."
      />
      <Pager pages={pages} next={query.data?.nextCursor} />
    </div>
  );
}
