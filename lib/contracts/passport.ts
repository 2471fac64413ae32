import { z } from "zod";
import { defineEvent } from "@/lib/contracts/events/define-event";
import { PageQuerySchema, pageOf } from "@/lib/contracts/pagination";
import { IdSchema, TimestampSchema, textSchema } from "@/lib/contracts/primitives";
import { defineRoute } from "@/lib/contracts/route";

/**
 * What an entry records: `registration` and `interaction` entries are built from events;
 * `credential` and `achievement` entries are added over HTTP (e.g. by an institution).
 */
export const PASSPORT_ENTRY_KINDS = [
  "registration",
  "interaction",
  "credential",
  "achievement",
] as const;
export const PassportEntryKindSchema = z.enum(PASSPORT_ENTRY_KINDS, {
  error: () => `kind must be one of ${PASSPORT_ENTRY_KINDS.join(", ")}`,
});
export type PassportEntryKind = z.infer<typeof PassportEntryKindSchema>;

/** One line of a user's life-learning passport. */
export const PassportEntrySchema = z.object({
  id: IdSchema,
  userId: IdSchema,
  kind: PassportEntryKindSchema,
  title: z.string(),
  description: z.string().nullable(),
  /** The event the entry was built from, if any. */
  sourceEventId: IdSchema.nullable(),
  /** Who vouches for a credential or achievement (an institution's user id), if anyone. */
  issuerId: IdSchema.nullable(),
  occurredAt: TimestampSchema,
  recordedAt: TimestampSchema,
});
export type PassportEntry = z.infer<typeof PassportEntrySchema>;

/** A user's passport: totals and the most recent entries (all of them through listEntries). */
export const PassportSchema = z.object({
  userId: IdSchema,
  entryCount: z.number().int().nonnegative(),
  totalLearningSeconds: z.number().int().nonnegative(),
  recentEntries: z.array(PassportEntrySchema).max(20),
});
export type Passport = z.infer<typeof PassportSchema>;

export const AddPassportEntryBodySchema = z.strictObject({
  id: IdSchema.optional(),
  kind: z.enum(["credential", "achievement"], {
    error: () => "kind must be credential or achievement (other kinds come from events)",
  }),
  title: textSchema("title", 200),
  description: textSchema("description", 2_000).optional(),
  issuerId: IdSchema.optional(),
  occurredAt: TimestampSchema,
});
export type AddPassportEntryBody = z.infer<typeof AddPassportEntryBodySchema>;

export const PassportParamsSchema = z.object({ userId: IdSchema });
export const ListPassportEntriesQuerySchema = PageQuerySchema.extend({
  kind: PassportEntryKindSchema.optional(),
});

const entryVolatile = ["id", "sourceEventId", "recordedAt"] as const;

/** HTTP API of the passport domain. */
export const PASSPORT_ROUTES = {
  getPassport: defineRoute({
    domain: "passport",
    method: "GET",
    path: "/api/passport/v1/passports/:userId",
    summary: "A user's passport; 404 if the user is unknown to the passport",
    params: PassportParamsSchema,
    status: 200,
    response: PassportSchema,
    permission: "passport:read",
    volatileFields: [
      "recentEntries.*.id",
      "recentEntries.*.sourceEventId",
      "recentEntries.*.recordedAt",
    ],
  }),
  listEntries: defineRoute({
    domain: "passport",
    method: "GET",
    path: "/api/passport/v1/passports/:userId/entries",
    summary: "A user's passport entries, most recent first",
    params: PassportParamsSchema,
    query: ListPassportEntriesQuerySchema,
    status: 200,
    response: pageOf(PassportEntrySchema),
    permission: "passport:read",
    volatileFields: ["items.*.id", "items.*.sourceEventId", "items.*.recordedAt", "nextCursor"],
  }),
  addEntry: defineRoute({
    domain: "passport",
    method: "POST",
    path: "/api/passport/v1/passports/:userId/entries",
    summary: "Add a credential or achievement to a user's passport",
    params: PassportParamsSchema,
    body: AddPassportEntryBodySchema,
    status: 201,
    response: PassportEntrySchema,
    permission: "passport:write",
    volatileFields: entryVolatile,
  }),
} as const;

export const EntryAddedDataSchema = z.object({
  entry_id: IdSchema,
  user_id: IdSchema,
  kind: PassportEntryKindSchema,
  title: z.string().min(1),
  source_event_id: IdSchema.nullable(),
  occurred_at: TimestampSchema,
});
export type EntryAddedData = z.infer<typeof EntryAddedDataSchema>;

/** An entry was added to a passport; aggregate: the passport (its id is the user id). */
export const ENTRY_ADDED_V1 = defineEvent({
  type: "passport.EntryAdded",
  version: 1,
  aggregateType: "passport",
  summary: "An entry was added to a user's life-learning passport",
  data: EntryAddedDataSchema,
});
