"use client";

import { useMutation } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { ErrorNote } from "../error-note";
import { useTRPC } from "../trpc-provider";

/** Empties a whole queue after the admin types its name. */
export function PurgeQueueButton({
  aggregateType,
  onPurged,
}: {
  aggregateType: string;
  onPurged: () => void;
}) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState("");
  const dialog = useRef<HTMLDialogElement>(null);
  const purge = useMutation(
    trpc.dlq.purgeQueue.mutationOptions({
      onSuccess: () => {
        setOpen(false);
        onPurged();
      },
    }),
  );
  useEffect(() => {
    if (open) dialog.current?.showModal();
  }, [open]);
  return (
    <>
      <button
        type="button"
        onClick={() => setOpen(true)}
        className="rounded border border-rose-700 px-3 py-1.5 text-sm font-medium text-rose-200"
      >
        Purge queue…
      </button>
      {open && (
        <dialog
          ref={dialog}
          onClose={() => setOpen(false)}
          className="m-auto w-full max-w-md rounded-xl border border-rose-800 bg-slate-900 p-6 text-slate-100"
        >
          <form
            className="space-y-4"
            onSubmit={(e) => {
              e.preventDefault();
              purge.mutate({ aggregateType, confirm: typed });
            }}
          >
            <h2 className="text-lg font-semibold">Purge dlq:events:{aggregateType}</h2>
            <p className="text-sm text-slate-300">
              Every dead letter in this queue is deleted for good. Type{" "}
              <strong className="font-mono">{aggregateType}</strong> to confirm.
            </p>
            <input
              aria-label="queue name"
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              className="w-full rounded border border-slate-700 bg-slate-950 px-3 py-2 font-mono"
            />
            {purge.error && <ErrorNote message={purge.error.message} />}
            <div className="flex justify-end gap-2">
              <button
                type="button"
                onClick={() => setOpen(false)}
                className="rounded px-3 py-1.5 text-sm text-slate-300"
              >
                Cancel
              </button>
              <button
                type="submit"
                disabled={typed !== aggregateType || purge.isPending}
                className="rounded bg-rose-500 px-3 py-1.5 text-sm font-medium text-slate-950 disabled:opacity-40"
              >
                Purge
              </button>
            </div>
          </form>
        </dialog>
      )}
    </>
  );
}
