import type { ReactNode } from "react";

/** A settings form's last row: its submit button, an optional hint, and "Saved." once it is. */
export function SaveRow(props: {
  label: string;
  /** The caller may not change it, or a save is in flight. */
  disabled: boolean;
  saved: boolean;
  hint?: ReactNode;
  /** Controls before the button (a checkbox). */
  children?: ReactNode;
}) {
  return (
    <div className="flex items-center gap-4">
      {props.children}
      <button
        type="submit"
        disabled={props.disabled}
        className="shrink-0 whitespace-nowrap rounded bg-emerald-500 px-3 py-1 text-sm font-medium text-slate-950 disabled:opacity-40"
      >
        {props.label}
      </button>
      {props.hint && <span className="text-xs text-slate-500">{props.hint}</span>}
      {props.saved && (
        <span role="status" className="text-sm text-emerald-300">
          Saved.
        </span>
      )}
    </div>
  );
}
