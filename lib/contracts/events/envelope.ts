import { z } from "zod";
import { TimestampSchema } from "@/lib/contracts/primitives";

/** `<domain>.<PastTenseName>`, e.g. `identity.UserRegistered`. */
export const EventTypeSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]*\.[A-Z][A-Za-z0-9]*$/,
    "event_type must look like <domain>.<Name>, e.g. identity.UserRegistered",
  );

/** W3C Trace Context `traceparent` header value. */
export const TraceparentSchema = z
  .string()
  .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/, "expected a W3C traceparent");

/** Who caused an event and how to follow it; unknown keys are kept for forward compatibility. */
export const EventMetadataSchema = z.looseObject({
  traceparent: TraceparentSchema.optional(),
  correlation_id: z.string().min(1).max(200),
  causation_id: z.string().min(1).max(200).optional(),
  producer: z.string().min(1).max(100),
});
export type EventMetadata = z.infer<typeof EventMetadataSchema>;

/**
 * The envelope of every domain event on a stream (DESIGN.md). Everything on a stream is
 * snake_case, the envelope and the `data` of every event alike; HTTP bodies are camelCase.
 * `data` is checked here only as an object: its schema depends on `event_type`/`event_version`.
 */
export const EventEnvelopeSchema = z.object({
  event_id: z.uuid({ error: "event_id must be a UUID" }),
  event_type: EventTypeSchema,
  aggregate_id: z.string().min(1).max(200),
  aggregate_type: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/, "aggregate_type must be lower snake_case, e.g. user"),
  event_version: z.number().int("event_version must be a whole number").min(1),
  occurred_at: TimestampSchema,
  data: z.record(z.string(), z.unknown()),
  metadata: EventMetadataSchema,
});
export type EventEnvelope = z.infer<typeof EventEnvelopeSchema>;
