import { z } from "zod";
import { DomainNameSchema } from "./domains";

/** Inputs of the control plane's data procedures (server/routers/data.ts). */

export const BackfillActionSchema = z.enum(["start", "pause", "resume"], {
  error: "action must be start, pause or resume",
});
export type BackfillAction = z.infer<typeof BackfillActionSchema>;

export const BackfillCommandInputSchema = z.object({
  domain: DomainNameSchema,
  action: BackfillActionSchema,
});

export const BackfillThrottleInputSchema = z.object({
  domain: DomainNameSchema,
  /** 0: as fast as it goes. */
  rowsPerSecond: z
    .number({ error: "rowsPerSecond must be a number" })
    .int("rowsPerSecond must be a whole number")
    .min(0, "rowsPerSecond cannot be negative")
    .max(1_000_000, "rowsPerSecond can be at most 1,000,000"),
});

export const QuarantineRetryInputSchema = z.object({
  domain: DomainNameSchema,
  /** The entries to retry; omitted: every open entry of the domain. */
  ids: z
    .array(z.number().int().positive().max(Number.MAX_SAFE_INTEGER), {
      error: "ids must be a list of entry ids",
    })
    .max(500, "retry at most 500 entries at once")
    .optional(),
});

export const QuarantineListInputSchema = z.object({
  domain: DomainNameSchema,
  status: z.enum(["open", "retry_requested", "resolved", "all"]).default("open"),
  cursor: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.number().int().min(1).max(100).default(20),
});

export const ConflictListInputSchema = z.object({
  domain: DomainNameSchema,
  cursor: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.number().int().min(1).max(100).default(20),
});

/** At a glance, per domain: what the board's data column says. */
export const DATA_HEALTH = [
  "not_started",
  "backfilling",
  "paused",
  "unverified",
  "verified",
  "lagging",
  "differences",
  "sync_down",
] as const;
export type DataHealth = (typeof DATA_HEALTH)[number];
