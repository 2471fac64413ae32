"use client";

import { useCallback, useState } from "react";

/**
 * Keyset paging state: the cursors of the pages behind the current one (empty: the newest page).
 * `reset` goes back to the newest page, e.g. when a filter changes.
 */
export function useKeysetPages<Cursor>() {
  const [cursors, setCursors] = useState<Cursor[]>([]);
  return {
    cursor: cursors[cursors.length - 1] as Cursor | undefined,
    page: cursors.length + 1,
    isNewest: cursors.length === 0,
    newer: useCallback(() => setCursors((c) => c.slice(0, -1)), []),
    older: useCallback((next: Cursor) => setCursors((c) => [...c, next]), []),
    reset: useCallback(() => setCursors([]), []),
  };
}

/** Newer / older buttons under a keyset-paged list, newest page first. */
export function Pager(props: {
  page: number;
  hasNewer: boolean;
  hasOlder: boolean;
  onNewer: () => void;
  onOlder: () => void;
}) {
  if (!props.hasNewer && !props.hasOlder) return null;
  const button = "rounded border border-slate-700 px-3 py-1.5 disabled:opacity-40";
  return (
    <div className="flex items-center justify-between px-1 py-2 text-sm">
      <button type="button" disabled={!props.hasNewer} onClick={props.onNewer} className={button}>
        ← Newer
      </button>
      <span className="text-slate-400">Page {props.page}</span>
      <button type="button" disabled={!props.hasOlder} onClick={props.onOlder} className={button}>
        Older →
      </button>
    </div>
  );
}
