import { type SQL, sql } from "drizzle-orm";
import type { TimelineKindName, TimelineSeverity } from "@/lib/contracts/timeline";

/**
 * One table's contribution to the timeline, as rows of (key, at, kind, domain, severity, actor,
 * trace_id, data); `kinds` and `severities` list what it can produce, so a filter skips whole
 * tables rather than scanning them for rows that cannot match.
 */
export type TimelineSource = {
  name: string;
  kinds: readonly TimelineKindName[];
  severities: readonly TimelineSeverity[];
  select: SQL;
};

const ALL: readonly TimelineSeverity[] = ["info", "warning", "critical"];

/** Audit actions the timeline leaves out: sign-ins change nothing, and route changes come from migration_events. */
const AUDIT_NOT_SHOWN = sql`a.action not in ('migration.transition', 'migration.rollback',
  'rollout.promote') and a.action not like 'session.%'`;

const auditDomain = sql`case
  when a.target like 'domain:%' then substr(a.target, 8)
  when a.target like 'breaker:%' then split_part(a.target, ':', 2)
end`;

/** Operator actions (and the guard's, other than route changes) from audit_log. */
const operatorActions: TimelineSource = {
  name: "audit",
  kinds: ["operator_action"],
  severities: ["info", "warning"],
  select: sql`select 'audit:' || a.id as key, a.at, 'operator_action'::text as kind,
      ${auditDomain} as domain,
      case when a.action like 'dlq.purge%' or a.action like 'breaker.force-%'
        then 'warning' else 'info' end as severity,
      a.actor, a.trace_id,
      jsonb_build_object('action', a.action, 'target', a.target, 'before', a.before,
        'after', a.after) as data
    from audit_log a where ${AUDIT_NOT_SHOWN}`,
};

/**
 * Every routing change from migration_events: the guard's are automatic rollbacks or promotions.
 * The trace id is its audit row's, written in the same transaction (same `now()`).
 */
const routeChanges: TimelineSource = {
  name: "route",
  kinds: ["route_change", "auto_rollback", "promotion"],
  severities: ALL,
  select: sql`select 'route:' || m.id as key, m.at,
      case when m.actor = 'slo-guard' and m.to_state = 'legacy' then 'auto_rollback'
        when m.actor = 'slo-guard' then 'promotion' else 'route_change' end as kind,
      m.domain,
      case when m.actor = 'slo-guard' and m.to_state = 'legacy' then 'critical'
        when m.to_state = 'legacy' and m.from_state <> 'legacy' then 'warning'
        else 'info' end as severity,
      m.actor,
      (select a.trace_id from audit_log a where a.at = m.at and a.target = 'domain:' || m.domain
        and a.action in ('migration.transition', 'migration.rollback') limit 1) as trace_id,
      jsonb_build_object('fromState', m.from_state, 'toState', m.to_state,
        'fromWeight', m.from_weight, 'toWeight', m.to_weight, 'reason', m.reason) as data
    from migration_events m`,
};

/** What the platform recorded about itself (slo-guard's watcher, GitOps, ...). */
const recordedEvents: TimelineSource = {
  name: "event",
  kinds: [
    "breaker_transition",
    "dlq_spike",
    "parity_drop",
    "auto_rollback",
    "promotion",
    "data_sync",
    "argocd_sync",
    "argocd_rollback",
  ],
  severities: ALL,
  select: sql`select 'event:' || t.id as key, t.at, t.kind, t.domain, t.severity,
      t.source as actor, t.trace_id,
      jsonb_build_object('summary', t.summary, 'details', t.details) as data
    from timeline_events t`,
};

/** A rollback's write fence, from its audit row (server/data/write-fence.ts records it there). */
const writeFences: TimelineSource = {
  name: "fence",
  kinds: ["data_sync"],
  severities: ["info", "warning"],
  select: sql`select 'fence:' || a.id as key, a.at, 'data_sync'::text as kind,
      substr(a.target, 8) as domain,
      case when (a.after -> 'fence' ->> 'drained')::boolean then 'info' else 'warning' end
        as severity,
      a.actor, a.trace_id,
      jsonb_build_object('step', 'fence', 'fence', a.after -> 'fence') as data
    from audit_log a
    where a.action = 'migration.rollback' and a.after ? 'fence'
      and (a.after -> 'fence' ->> 'fenceMs')::numeric > 0`,
};

/** The data sync's backfill: started and finished, from data_backfills (its latest run). */
const backfills: TimelineSource = {
  name: "backfill",
  kinds: ["data_sync"],
  severities: ["info"],
  select: sql`select 'backfill-start:' || b.domain as key, b.started_at as at,
      'data_sync'::text as kind, b.domain, 'info'::text as severity, 'data-sync'::text as actor,
      null::text as trace_id,
      jsonb_build_object('step', 'backfill-started', 'rowsTotal', b.rows_total) as data
    from data_backfills b where b.started_at is not null
    union all
    select 'backfill-done:' || b.domain, b.finished_at, 'data_sync', b.domain, 'info',
      'data-sync', null,
      jsonb_build_object('step', 'backfill-finished', 'rowsCopied', b.rows_copied)
    from data_backfills b where b.finished_at is not null and b.status = 'complete'`,
};

/** Each finished verification of both sides of a domain, from data_verifications. */
const verifications: TimelineSource = {
  name: "verify",
  kinds: ["data_sync"],
  severities: ["info", "warning"],
  select: sql`select 'verify:' || v.id as key, v.finished_at as at, 'data_sync'::text as kind,
      v.domain,
      case when v.status = 'failed' or v.differences > 0 then 'warning' else 'info' end
        as severity,
      'data-sync'::text as actor, null::text as trace_id,
      jsonb_build_object('step', 'verification', 'status', v.status,
        'differences', v.differences, 'rowsCompared', v.rows_compared, 'error', v.error,
        'requestedBy', v.requested_by) as data
    from data_verifications v where v.finished_at is not null`,
};

/** Every table the timeline merges. */
export const TIMELINE_SOURCES: readonly TimelineSource[] = [
  operatorActions,
  routeChanges,
  recordedEvents,
  writeFences,
  backfills,
  verifications,
];
