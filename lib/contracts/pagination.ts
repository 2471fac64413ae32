import { z } from "zod";

/** `?limit=&cursor=` of every list route; query values arrive as text, hence the coercion. */
export const PageQuerySchema = z.object({
  limit: z.coerce
    .number({ error: "limit must be a whole number between 1 and 100" })
    .int("limit must be a whole number between 1 and 100")
    .min(1, "limit must be a whole number between 1 and 100")
    .max(100, "limit must be a whole number between 1 and 100")
    .default(20),
  cursor: z.string().min(1).max(200).optional(),
});
export type PageQuery = z.infer<typeof PageQuerySchema>;

/** One page of a list: the items and an opaque cursor for the next page (null on the last). */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
