import { type SQL, sql } from "drizzle-orm";
import {
  TIMELINE_KINDS,
  TIMELINE_SEVERITIES,
  type TimelineKindName,
  type TimelineSeverity,
} from "@/lib/contracts/timeline";
import type { ControlDb } from "@/server/db/client";
import { TIMELINE_SOURCES } from "./timeline-sources";
import { summarize } from "./timeline-summary";

export type TimelineFilter = {
  domain?: string;
  kinds?: TimelineKindName[];
  severities?: TimelineSeverity[];
  from?: Date;
  to?: Date;
  /** Keyset cursor from a previous page: rows strictly older than it. */
  cursor?: string;
  limit: number;
};

/** One row of the merged timeline. */
export type TimelineItem = {
  /** Unique across sources, e.g. `audit:42`, `route:7`, `event:3`. */
  key: string;
  at: Date;
  kind: TimelineKindName;
  domain: string | null;
  severity: TimelineSeverity;
  summary: string;
  /** The person or process behind it. */
  actor: string;
  traceId: string | null;
};

type Row = {
  key: string;
  at_text: string;
  kind: TimelineKindName;
  domain: string | null;
  severity: TimelineSeverity;
  actor: string;
  trace_id: string | null;
  data: Record<string, unknown>;
};

function inList(values: readonly string[]): SQL {
  return sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  );
}

function conditions(filter: TimelineFilter): SQL {
  const parts: SQL[] = [sql`b.at is not null`];
  if (filter.domain) parts.push(sql`b.domain = ${filter.domain}`);
  if (filter.kinds?.length) parts.push(sql`b.kind in (${inList(filter.kinds)})`);
  if (filter.severities?.length) parts.push(sql`b.severity in (${inList(filter.severities)})`);
  if (filter.from) parts.push(sql`b.at >= ${filter.from.toISOString()}::timestamptz`);
  if (filter.to) parts.push(sql`b.at <= ${filter.to.toISOString()}::timestamptz`);
  if (filter.cursor) {
    const [at, key] = filter.cursor.split("|") as [string, string];
    // `b.at <=` alone lets each table's index on `at` bound the scan; the row comparison breaks ties.
    parts.push(sql`b.at <= ${at}::timestamptz`);
    parts.push(sql`(b.at, b.key) < (${at}::timestamptz, ${key}::text)`);
  }
  return sql.join(parts, sql` and `);
}

/**
 * The merged timeline, newest first: every source is filtered and cut to `limit + 1` rows on its
 * own (its index on `at` does the work), then the union is ordered and cut again. Keyset-paged on
 * (at, key), so a deep page costs what the first does and rows written meanwhile never shift it.
 */
export async function listTimeline(db: ControlDb, filter: TimelineFilter) {
  const kinds = new Set(filter.kinds?.length ? filter.kinds : TIMELINE_KINDS);
  const severities = new Set(filter.severities?.length ? filter.severities : TIMELINE_SEVERITIES);
  const sources = TIMELINE_SOURCES.filter(
    (s) => s.kinds.some((k) => kinds.has(k)) && s.severities.some((v) => severities.has(v)),
  );
  if (sources.length === 0) return { items: [] as TimelineItem[], nextCursor: undefined };
  const where = conditions(filter);
  const take = filter.limit + 1;
  const branches = sources.map(
    (source) =>
      sql`(select * from (${source.select}) b where ${where} order by b.at desc, b.key desc limit ${take})`,
  );
  const result = await db.execute<Row>(sql`
    select u.key, to_char(u.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at_text,
      u.kind, u.domain, u.severity, u.actor, u.trace_id, u.data
    from (${sql.join(branches, sql` union all `)}) u
    order by u.at desc, u.key desc
    limit ${take}`);
  const rows = result.rows;
  const hasMore = rows.length > filter.limit;
  const page = hasMore ? rows.slice(0, filter.limit) : rows;
  const items: TimelineItem[] = page.map((row) => ({
    key: row.key,
    at: new Date(row.at_text),
    kind: row.kind,
    domain: row.domain,
    severity: row.severity,
    summary: summarize(row.kind, row.key, row.data),
    actor: row.actor,
    traceId: row.trace_id,
  }));
  const last = page[page.length - 1];
  return { items, nextCursor: hasMore && last ? `${last.at_text}|${last.key}` : undefined };
}
