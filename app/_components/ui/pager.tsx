"use client";

import { useCallback, useState } from "react";

/**
 * Keyset paging state: the cursors of the pages behind the current one (empty: the newest page).
 * `reset` goes back to the newest page, e.g. when a filter changes.
 */
export type KeysetPages<Cursor> = ReturnType<typeof useKeysetPages<Cursor>>;

export function useKeysetPages<Cursor>() {
  const [cursors, setCursors] = useState<Cursor[]>([]);
  return {
    cursor: cursors[cursors.length - 1] as Cursor | undefined,
    page: cursors.length + 1,
    isNewest: cursors.length === 0,
    newer: useCallback(() => setCursors((c) => c.slice(0, -1)), []),
    // The lists keep showing the current page while the next loads, so a second click (a double
    // click) would push the same cursor again: "Page 3" over page 2's rows. Keyset cursors only
    // move older, so the current cursor again is that stale click and is ignored.
    older: useCallback(
      (next: Cursor) => setCursors((c) => (c[c.length - 1] === next ? c : [...c, next])),
      [],
    ),
    reset: useCallback(() => setCursors([]), []),
  };
}

/**
 * Newer / older buttons under a keyset-paged list, newest page first: `pages` from
 * useKeysetPages, `next` the cursor of the page after this one (none on the oldest page).
 */
export function Pager<Cursor>({
  pages,
  next,
}: {
  pages: KeysetPages<Cursor>;
  next: Cursor | null | undefined;
}) {
  const hasNewer = !pages.isNewest;
  const hasOlder = next !== null && next !== undefined;
  if (!hasNewer && !hasOlder) return null;
  const button = "rounded border border-slate-700 px-3 py-1.5 disabled:opacity-40";
  return (
    <div className="flex items-center justify-between px-1 py-2 text-sm">
      <button type="button" disabled={!hasNewer} onClick={pages.newer} className={button}>
        ← Newer
      </button>
      <span className="text-slate-400">Page {pages.page}</span>
      <button
        type="button"
        disabled={!hasOlder}
        onClick={() => {
          if (next !== null && next !== undefined) pages.older(next);
        }}
        className={button}
      >
        Older →
      </button>
    </div>
  );
}
