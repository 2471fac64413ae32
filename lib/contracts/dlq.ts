import { z } from "zod";

/** Inputs of the console's `events` and `dlq` tRPC procedures. */
export const AggregateTypeInputSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, "aggregate type must be lower snake_case, e.g. user");

/** The largest part of a Redis stream id: both halves are unsigned 64-bit integers. */
const STREAM_ID_PART_MAX = 18_446_744_073_709_551_615n;
const ID_SHAPE = /^\d{1,20}-\d{1,20}$/;

export const DeadLetterIdSchema = z
  .string()
  .regex(ID_SHAPE, "a dead-letter id looks like 1700000000000-0")
  .refine(
    // zod runs this after a failed regex too: judge only ids of the right shape
    (id) => !ID_SHAPE.test(id) || id.split("-").every((part) => BigInt(part) <= STREAM_ID_PART_MAX),
    "a dead-letter id's parts are at most 18446744073709551615",
  );

export const DeadLetterFilterInputSchema = z.object({
  eventType: z.string().trim().min(1).max(200).optional(),
  errorContains: z.string().trim().min(1).max(200).optional(),
  since: z.date().optional(),
  until: z.date().optional(),
});
export type DeadLetterFilterInput = z.infer<typeof DeadLetterFilterInputSchema>;

export const DeadLetterListInputSchema = z.object({
  aggregateType: AggregateTypeInputSchema,
  filter: DeadLetterFilterInputSchema.default({}),
  cursor: DeadLetterIdSchema.optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

export const DeadLetterRefSchema = z.object({
  aggregateType: AggregateTypeInputSchema,
  id: DeadLetterIdSchema,
});

export const DeadLetterIdsInputSchema = z.object({
  aggregateType: AggregateTypeInputSchema,
  ids: z
    .array(DeadLetterIdSchema)
    .min(1, "select at least one entry")
    .max(1_000, "at most 1,000 at once"),
});

export const EditAndReplayInputSchema = DeadLetterRefSchema.extend({
  payload: z.string().min(2, "the payload is empty").max(1_000_000, "the payload is over 1 MB"),
});

export const BulkJobStartInputSchema = z.object({
  action: z.enum(["replay", "purge"]),
  aggregateType: AggregateTypeInputSchema,
  filter: DeadLetterFilterInputSchema.default({}),
});

export const BulkJobRefSchema = z.object({ jobId: z.uuid("not a job id") });

export const PurgeQueueInputSchema = z.object({
  aggregateType: AggregateTypeInputSchema,
  /** The operator types the queue's name to confirm, as in most consoles' destructive dialogs. */
  confirm: z.string(),
});
