import { z } from "zod";

/** Identifier of every entity in the domain APIs (users, interactions, proposals, …). */
export const IdSchema = z.uuid({ error: "expected a UUID" });
export type Id = z.infer<typeof IdSchema>;

/** An instant as ISO 8601 text with `Z` or an offset, e.g. `2026-01-31T12:00:00.000Z`. */
export const TimestampSchema = z.iso.datetime({
  offset: true,
  error: "expected an ISO 8601 date-time such as 2026-01-31T12:00:00Z",
});
export type Timestamp = z.infer<typeof TimestampSchema>;

/** A decentralized identifier (W3C DID core): `did:<method>:<method-specific-id>`. */
export const DidSchema = z
  .string()
  .max(512, "a DID can have at most 512 characters")
  .regex(
    /^did:[a-z0-9]+:[A-Za-z0-9._%-]+(?::[A-Za-z0-9._%-]+)*$/,
    "expected a DID such as did:key:z6Mk…",
  );
export type Did = z.infer<typeof DidSchema>;

/** Free text a person typed, trimmed, with a length limit. */
export function textSchema(field: string, max: number) {
  return z
    .string()
    .trim()
    .min(1, `${field} is required`)
    .max(max, `${field} can have at most ${max} characters`);
}
