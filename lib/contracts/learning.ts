import { z } from "zod";
import { defineEvent } from "@/lib/contracts/events/define-event";
import { PageQuerySchema, pageOf } from "@/lib/contracts/pagination";
import { IdSchema, TimestampSchema, textSchema } from "@/lib/contracts/primitives";
import { defineRoute } from "@/lib/contracts/route";

export const INTERACTION_TYPES = [
  "lesson",
  "exercise",
  "assessment",
  "mentoring",
  "project",
] as const;
export const InteractionTypeSchema = z.enum(INTERACTION_TYPES, {
  error: () => `type must be one of ${INTERACTION_TYPES.join(", ")}`,
});
export type InteractionType = z.infer<typeof InteractionTypeSchema>;

/** Up to one day, in whole seconds. */
export const DurationSecondsSchema = z
  .number({ error: "durationSeconds must be a number of seconds" })
  .int("durationSeconds must be a whole number of seconds")
  .min(1, "durationSeconds must be at least 1")
  .max(86_400, "durationSeconds can be at most 86400 (one day)");

/** An xAPI-like statement: a tutor and a student learned something together for a while. */
export const InteractionSchema = z.object({
  id: IdSchema,
  type: InteractionTypeSchema,
  content: z.string(),
  durationSeconds: z.number().int().positive(),
  tutorId: IdSchema,
  studentId: IdSchema,
  occurredAt: TimestampSchema,
  createdAt: TimestampSchema,
});
export type Interaction = z.infer<typeof InteractionSchema>;

/** `occurredAt` defaults to the time of the request; `id` may be chosen by the caller. */
export const CreateInteractionBodySchema = z
  .strictObject({
    id: IdSchema.optional(),
    type: InteractionTypeSchema,
    content: textSchema("content", 10_000),
    durationSeconds: DurationSecondsSchema,
    tutorId: IdSchema,
    studentId: IdSchema,
    occurredAt: TimestampSchema.optional(),
  })
  .refine((body) => body.tutorId !== body.studentId, {
    message: "tutorId and studentId must be different users",
    path: ["studentId"],
  });
export type CreateInteractionBody = z.infer<typeof CreateInteractionBodySchema>;

export const InteractionParamsSchema = z.object({ interactionId: IdSchema });
export const ListInteractionsQuerySchema = PageQuerySchema.extend({
  studentId: IdSchema.optional(),
  tutorId: IdSchema.optional(),
  type: InteractionTypeSchema.optional(),
});

export const StudentParamsSchema = z.object({ studentId: IdSchema });
export const LearningSummarySchema = z.object({
  studentId: IdSchema,
  interactionCount: z.number().int().nonnegative(),
  totalDurationSeconds: z.number().int().nonnegative(),
  byType: z.record(InteractionTypeSchema, z.number().int().nonnegative()),
});
export type LearningSummary = z.infer<typeof LearningSummarySchema>;

const interactionVolatile = ["id", "occurredAt", "createdAt"] as const;

/** HTTP API of the learning domain. */
export const LEARNING_ROUTES = {
  createInteraction: defineRoute({
    domain: "learning",
    method: "POST",
    path: "/api/learning/v1/interactions",
    summary: "Record a learning interaction; 422 if the tutor or student is unknown",
    body: CreateInteractionBodySchema,
    status: 201,
    response: InteractionSchema,
    permission: "learning:write",
    volatileFields: interactionVolatile,
  }),
  getInteraction: defineRoute({
    domain: "learning",
    method: "GET",
    path: "/api/learning/v1/interactions/:interactionId",
    summary: "One interaction by id",
    params: InteractionParamsSchema,
    status: 200,
    response: InteractionSchema,
    permission: "learning:read",
    volatileFields: interactionVolatile,
  }),
  listInteractions: defineRoute({
    domain: "learning",
    method: "GET",
    path: "/api/learning/v1/interactions",
    summary: "Interactions, oldest first, filtered by student, tutor or type",
    query: ListInteractionsQuerySchema,
    status: 200,
    response: pageOf(InteractionSchema),
    permission: "learning:read",
    volatileFields: ["items.*.id", "items.*.occurredAt", "items.*.createdAt", "nextCursor"],
  }),
  getStudentSummary: defineRoute({
    domain: "learning",
    method: "GET",
    path: "/api/learning/v1/students/:studentId/summary",
    summary: "How much a student has learned: count and total duration, by type",
    params: StudentParamsSchema,
    status: 200,
    response: LearningSummarySchema,
    permission: "learning:read",
    volatileFields: [],
  }),
} as const;

export const InteractionCreatedDataSchema = z.object({
  interaction_id: IdSchema,
  type: InteractionTypeSchema,
  content: z.string(),
  duration_seconds: z.number().int().positive(),
  tutor_id: IdSchema,
  student_id: IdSchema,
  occurred_at: TimestampSchema,
});
export type InteractionCreatedData = z.infer<typeof InteractionCreatedDataSchema>;

/** A learning interaction was recorded; aggregate: the interaction. */
export const INTERACTION_CREATED_V1 = defineEvent({
  type: "learning.InteractionCreated",
  version: 1,
  aggregateType: "interaction",
  summary: "A learning interaction between a tutor and a student was recorded",
  data: InteractionCreatedDataSchema,
});
