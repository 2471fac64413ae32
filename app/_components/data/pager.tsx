/** Newer / older buttons under a keyset-paged list, newest page first. */
export function Pager(props: {
  page: number;
  hasNewer: boolean;
  hasOlder: boolean;
  onNewer: () => void;
  onOlder: () => void;
}) {
  if (!props.hasNewer && !props.hasOlder) return null;
  return (
    <div className="flex items-center justify-between border-t border-slate-800 px-3 py-2 text-sm">
      <button
        type="button"
        disabled={!props.hasNewer}
        onClick={props.onNewer}
        className="rounded border border-slate-700 px-3 py-1 disabled:opacity-40"
      >
        ← Newer
      </button>
      <span className="text-slate-500">Page {props.page}</span>
      <button
        type="button"
        disabled={!props.hasOlder}
        onClick={props.onOlder}
        className="rounded border border-slate-700 px-3 py-1 disabled:opacity-40"
      >
        Older →
      </button>
    </div>
  );
}
