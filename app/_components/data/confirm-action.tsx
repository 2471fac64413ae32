"use client";

import { type ReactNode, useEffect, useRef, useState } from "react";

const TONES = {
  primary: {
    button: "bg-sky-500 text-slate-950 hover:bg-sky-400",
    confirm: "bg-sky-400 hover:bg-sky-300",
  },
  caution: {
    button: "border border-amber-600 text-amber-200 hover:bg-amber-950",
    confirm: "bg-amber-400 hover:bg-amber-300",
  },
};

/**
 * A button that asks once before it acts: a short modal with what will happen, Cancel and
 * Confirm. The caller shows the mutation's error where the person is looking.
 */
export function ConfirmAction(props: {
  label: string;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  disabled?: boolean;
  hint?: string;
  tone?: keyof typeof TONES;
}) {
  const [open, setOpen] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);
  const tone = TONES[props.tone ?? "primary"];
  useEffect(() => {
    if (open) dialog.current?.showModal();
  }, [open]);
  return (
    <>
      <button
        type="button"
        disabled={props.disabled}
        title={props.hint}
        onClick={() => setOpen(true)}
        className={`rounded px-3 py-1.5 text-sm font-medium disabled:cursor-not-allowed disabled:border-slate-700 disabled:bg-slate-700 disabled:text-slate-400 ${tone.button}`}
      >
        {props.label}
      </button>
      {open && (
        <dialog
          ref={dialog}
          onClose={() => setOpen(false)}
          aria-label={props.title}
          className="m-auto w-full max-w-md rounded-xl border border-slate-700 bg-slate-900 p-6 text-slate-100"
        >
          <form
            method="dialog"
            className="space-y-4"
            onSubmit={(event) => {
              event.preventDefault();
              props.onConfirm();
              setOpen(false);
            }}
          >
            <h2 className="text-lg font-semibold">{props.title}</h2>
            <div className="text-sm text-slate-300">{props.children}</div>
            <div className="flex justify-end gap-2">
              <button
                type="button"
                onClick={() => setOpen(false)}
                className="rounded px-3 py-1.5 text-sm text-slate-300 hover:bg-slate-800"
              >
                Cancel
              </button>
              <button
                type="submit"
                className={`rounded px-3 py-1.5 text-sm font-medium text-slate-950 ${tone.confirm}`}
              >
                {props.confirmLabel}
              </button>
            </div>
          </form>
        </dialog>
      )}
    </>
  );
}
