import { z } from "zod";

/** Longest life a wall token may be given: a kiosk is re-enrolled at least this often. */
export const WALL_TOKEN_MAX_DAYS = 365;
export const WALL_TOKEN_DEFAULT_DAYS = 30;

export const CreateWallTokenInputSchema = z.object({
  name: z
    .string()
    .trim()
    .min(2, "name the screen, e.g. 'ops room TV' (at least 2 characters)")
    .max(80, "a token name can have at most 80 characters"),
  days: z
    .number({ error: "days must be a number" })
    .int("days must be a whole number")
    .min(1, "a wall token lives at least 1 day")
    .max(WALL_TOKEN_MAX_DAYS, `a wall token lives at most ${WALL_TOKEN_MAX_DAYS} days`)
    .default(WALL_TOKEN_DEFAULT_DAYS),
});
export type CreateWallTokenInput = z.input<typeof CreateWallTokenInputSchema>;

export const WallTokenRefSchema = z.object({ id: z.uuid("not a wall token id") });

/** A wall token's secret as a kiosk presents it: `kw_` and 32 base64url characters. */
export const WallTokenSecretSchema = z.string().regex(/^kw_[A-Za-z0-9_-]{32}$/);
