import { and, eq, gt, lt, or, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { decodeCursor, encodeCursor, type KeysetPosition } from "@/lib/http/keyset-cursor";

export type Direction = "oldest-first" | "newest-first";

/**
 * The condition "after the cursor" of a list ordered by (`at`, `id`) in `direction`, or undefined
 * on the first page; a cursor the service did not hand out is a 400.
 */
export function afterCursor(
  cursor: string | undefined,
  columns: { at: PgColumn; id: PgColumn },
  direction: Direction,
): SQL | undefined {
  const position = decodeCursor(cursor);
  if (!position) return undefined;
  const beyond = direction === "oldest-first" ? gt : lt;
  return or(
    beyond(columns.at, position.createdAt),
    and(eq(columns.at, position.createdAt), beyond(columns.id, position.id)),
  );
}

/**
 * One page out of `limit + 1` rows read in list order: the items, and a cursor at the last one
 * when there is more.
 */
export function pageOfRows<Row, Item>(
  rows: Row[],
  limit: number,
  toItem: (row: Row) => Item,
  positionOf: (row: Row) => KeysetPosition,
): { items: Item[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toItem),
    nextCursor: rows.length > limit && last ? encodeCursor(positionOf(last)) : null,
  };
}
