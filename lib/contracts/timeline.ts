import { z } from "zod";
import { DomainNameSchema } from "./domains";

/** Kinds recorded in `timeline_events` (server/timeline/record.ts): what no other table holds. */
export const RECORDED_TIMELINE_KINDS = [
  "breaker_transition",
  "dlq_spike",
  "parity_drop",
  "auto_rollback",
  "promotion",
  "data_sync",
  "argocd_sync",
  "argocd_rollback",
] as const;
export type RecordedTimelineKind = (typeof RECORDED_TIMELINE_KINDS)[number];

/** Every kind the timeline shows: the recorded ones plus those read from other tables. */
export const TIMELINE_KINDS = [
  "operator_action",
  "route_change",
  ...RECORDED_TIMELINE_KINDS,
] as const;
export const TimelineKindSchema = z.enum(TIMELINE_KINDS, {
  error: `kind must be one of ${TIMELINE_KINDS.join(", ")}`,
});
export type TimelineKindName = z.infer<typeof TimelineKindSchema>;

export const TIMELINE_SEVERITIES = ["info", "warning", "critical"] as const;
export const TimelineSeveritySchema = z.enum(TIMELINE_SEVERITIES, {
  error: "severity must be info, warning or critical",
});
export type TimelineSeverity = z.infer<typeof TimelineSeveritySchema>;

/** A W3C trace id: 32 lowercase hex digits, not all zero. */
export const TraceIdSchema = z
  .string()
  .regex(/^(?!0{32})[0-9a-f]{32}$/, "a trace id is 32 lowercase hex digits");

/** Opaque keyset cursor: the last row's time (microseconds, UTC) and key. */
export const TimelineCursorSchema = z
  .string()
  .max(200)
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z\|[a-z_-]+:[\w.:-]+$/,
    "cursor is not one this timeline gave out",
  );

export const TimelineQuerySchema = z
  .object({
    /** One domain's rows; absent: the whole platform. */
    domain: DomainNameSchema.optional(),
    kinds: z.array(TimelineKindSchema).max(TIMELINE_KINDS.length).optional(),
    severities: z.array(TimelineSeveritySchema).max(3).optional(),
    from: z.date().optional(),
    to: z.date().optional(),
    cursor: TimelineCursorSchema.optional(),
    limit: z
      .number()
      .int()
      .min(1, "limit is at least 1")
      .max(200, "limit is at most 200")
      .default(50),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, {
    message: "from must be before to",
    path: ["from"],
  });
export type TimelineQuery = z.input<typeof TimelineQuerySchema>;

/** Kinds a worker may record through `internal.recordTimeline` (slo-guard's watcher). */
export const WATCHED_TIMELINE_KINDS = ["breaker_transition", "dlq_spike", "parity_drop"] as const;

/** One event a worker saw, sent to the control plane to be recorded. */
export const TimelineRecordInputSchema = z.object({
  kind: z.enum(WATCHED_TIMELINE_KINDS),
  domain: DomainNameSchema.optional(),
  severity: TimelineSeveritySchema,
  summary: z.string().trim().min(3).max(500),
  /** When it happened (a breaker's transition time); now unless told. */
  at: z.date().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
  traceId: TraceIdSchema.optional(),
});
export type TimelineRecordInput = z.infer<typeof TimelineRecordInputSchema>;
