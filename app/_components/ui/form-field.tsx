import type { ReactNode } from "react";

/** The classes of every text input and select in the console's forms. */
// min-h: a select is 2 px shorter than a text or date input; this lines them up in a filter row.
export const inputClass =
  "mt-1 block min-h-8.5 rounded border border-slate-700 bg-slate-950 px-2 py-1.5 text-sm text-slate-100";

/** A labelled form control with an optional hint and the error the server or the form gave. */
export function FormField(props: {
  label: ReactNode;
  children: ReactNode;
  hint?: ReactNode;
  error?: string;
  className?: string;
}) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control comes in as children
    <label className={`block text-xs text-slate-400 ${props.className ?? ""}`}>
      {props.label}
      {props.children}
      {props.hint && !props.error && (
        <span className="mt-1 block text-slate-500">{props.hint}</span>
      )}
      {props.error && (
        <span role="alert" className="mt-1 block text-rose-300">
          {props.error}
        </span>
      )}
    </label>
  );
}
