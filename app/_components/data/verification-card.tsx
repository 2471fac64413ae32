"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorNote } from "../error-note";
import { useCan } from "../operator-context";
import { TimeAgo } from "../time-ago";
import { useTRPC } from "../trpc-provider";
import { formatCount, formatDuration, formatKey } from "./data-format";
import { type DataStatusView, differencesOf } from "./data-view";
import { ImageDiff } from "./image-diff";

/** Differences shown before "Show all": a verification keeps up to 50. */
const FIRST_DIFFERENCES = 5;

const KIND_LABELS: Record<string, string> = {
  missing_in_service: "missing in service",
  missing_in_legacy: "missing in legacy",
  different: "different",
  untranslatable: "untranslatable",
};

/** The last comparison of both sides, and "Verify now". */
export function VerificationCard({ status }: { status: DataStatusView }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canOperate = useCan("operator");
  const verify = useMutation(
    trpc.data.verify.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.data.pathFilter()),
    }),
  );
  const last = status.lastVerification;
  const syncDown = status.directions.length === 0 || status.directions.some((d) => d.stale);
  const ageSeconds = last?.finishedAt ? (Date.now() - last.finishedAt.getTime()) / 1000 : null;
  return (
    <section
      aria-label="verification"
      className="flex flex-col gap-3 rounded-lg border border-slate-800 bg-slate-950/60 p-4"
    >
      <header className="flex items-baseline justify-between gap-2">
        <h3 className="text-sm font-semibold">Last verification</h3>
        {last && <VerificationOutcome status={status} />}
      </header>
      {last ? (
        <dl
          className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-xs"
          data-testid="last-verification"
        >
          <dt className="text-slate-500">Rows compared</dt>
          <dd className="font-mono text-slate-200" data-testid="verification-rows">
            {formatCount(last.rowsCompared)}
          </dd>
          <dt className="text-slate-500">Chunks</dt>
          <dd className="font-mono text-slate-200">
            {formatCount(last.chunks)}
            <span className={last.chunksMismatched > 0 ? "text-rose-300" : "text-slate-400"}>
              {" "}
              ({formatCount(last.chunksMismatched)} mismatched)
            </span>
          </dd>
          <dt className="text-slate-500">Differences</dt>
          <dd
            className={`font-mono ${last.differences > 0 ? "text-rose-300" : "text-slate-200"}`}
            data-testid="verification-differences"
          >
            {formatCount(last.differences)}
          </dd>
          <dt className="text-slate-500">Finished</dt>
          <dd className="text-slate-200">
            {last.finishedAt ? <TimeAgo date={last.finishedAt} /> : "—"}
            {ageSeconds !== null && ageSeconds > status.verificationMaxAgeSeconds && (
              <span className="text-amber-300">
                {" "}
                · older than the {formatDuration(status.verificationMaxAgeSeconds)} the gate accepts
              </span>
            )}
          </dd>
          <dt className="text-slate-500">Requested by</dt>
          <dd className="text-slate-200" data-testid="verification-requested-by">
            {last.requestedBy}
          </dd>
        </dl>
      ) : (
        <p className="text-sm text-slate-400">
          Never verified: nothing has compared legacy and the service yet.
        </p>
      )}
      {last?.status === "failed" && last.error && (
        <ErrorNote message={`The verification failed: ${last.error}`} />
      )}
      {status.verificationInFlight && (
        <p
          role="status"
          data-testid="verification-in-flight"
          className={`text-sm ${syncDown ? "text-amber-300" : "text-sky-300"}`}
        >
          {syncDown
            ? "Verification requested: it waits for the data sync, which is not running."
            : "Verifying… comparing legacy and the service chunk by chunk."}
        </p>
      )}
      <div className="mt-auto flex items-center gap-3 border-t border-slate-800 pt-3">
        <button
          type="button"
          disabled={!canOperate || verify.isPending || status.verificationInFlight}
          title={canOperate ? undefined : "Your role is viewer: operators request verifications"}
          onClick={() => verify.mutate({ domain: status.domain })}
          className="shrink-0 whitespace-nowrap rounded bg-sky-500 px-3 py-1.5 text-sm font-medium text-slate-950 hover:bg-sky-400 disabled:cursor-not-allowed disabled:bg-slate-700 disabled:text-slate-400"
        >
          Verify now
        </button>
        <span className="text-xs text-slate-500">
          Compares every synced table, both sides, in chunks.
        </span>
      </div>
      {verify.error && <ErrorNote message={verify.error.message} />}
    </section>
  );
}

function VerificationOutcome({ status }: { status: DataStatusView }) {
  const last = status.lastVerification;
  if (!last) return null;
  const [text, tone] =
    last.status === "failed"
      ? ["failed", "text-rose-300"]
      : last.differences > 0
        ? [`${formatCount(last.differences)} differences`, "text-rose-300"]
        : ["clean", "text-emerald-300"];
  return (
    <span className={`text-sm font-medium ${tone}`} data-testid="verification-outcome">
      {text}
    </span>
  );
}

/** The differences the last verification kept, each with both images. */
export function DifferenceList({ status }: { status: DataStatusView }) {
  const [showAll, setShowAll] = useState(false);
  const last = status.lastVerification;
  if (last?.status !== "done" || last.differences === 0) return null;
  const differences = differencesOf(last.details);
  const shown = showAll ? differences : differences.slice(0, FIRST_DIFFERENCES);
  return (
    <section
      aria-label="differences"
      className="space-y-3 rounded-lg border border-rose-900/70 bg-slate-950/60 p-4"
    >
      <h3 className="text-sm font-semibold">
        Differences found{" "}
        <span className="font-normal text-slate-400">
          {differences.length < last.differences
            ? `(the first ${differences.length} of ${formatCount(last.differences)})`
            : `(${formatCount(last.differences)})`}
        </span>
      </h3>
      <ul className="space-y-3" data-testid="difference-list">
        {shown.map((d) => (
          <li
            key={`${d.table}:${JSON.stringify(d.key)}`}
            className="space-y-2 rounded border border-slate-800 p-3"
          >
            <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
              <span className="font-mono text-slate-200">{d.table}</span>
              <span className="break-all font-mono text-xs text-slate-400">{formatKey(d.key)}</span>
              <span className="ml-auto rounded-full border border-rose-800 px-2 py-0.5 text-xs text-rose-200">
                {KIND_LABELS[d.kind] ?? d.kind}
              </span>
            </div>
            <ImageDiff legacy={d.legacy} service={d.service} />
          </li>
        ))}
      </ul>
      {differences.length > FIRST_DIFFERENCES && (
        <button
          type="button"
          onClick={() => setShowAll(!showAll)}
          className="rounded border border-slate-700 px-3 py-1 text-sm text-slate-300 hover:bg-slate-800"
        >
          {showAll ? `Show the first ${FIRST_DIFFERENCES}` : `Show all ${differences.length}`}
        </button>
      )}
    </section>
  );
}
