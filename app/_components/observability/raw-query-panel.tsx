"use client";

import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTRPC } from "../trpc-provider";
import { FormField, inputClass } from "../ui/form-field";
import { describeLabels, PALETTE } from "./chart-data";
import { MetricChart } from "./metric-chart";

/** Any PromQL over the chosen window: admins only (the router refuses everyone else). */
export function RawQueryPanel({ rangeSeconds }: { rangeSeconds: number }) {
  const trpc = useTRPC();
  const [draft, setDraft] = useState("");
  const [promql, setPromql] = useState("");
  const result = useQuery(
    trpc.metrics.raw.queryOptions({ promql, rangeSeconds }, { enabled: promql !== "" }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setPromql(draft.trim());
  };
  const data = result.data;
  const lines =
    data?.status === "ok"
      ? data.series.slice(0, PALETTE.length).map((s, i) => ({
          key: `s${i}`,
          label: describeLabels(s.labels),
          color: PALETTE[i] ?? "#94a3b8",
          points: s.points,
        }))
      : [];
  const note = result.isError
    ? result.error.message
    : data && data.status !== "ok"
      ? data.message
      : data && data.series.length > PALETTE.length
        ? `first ${PALETTE.length} of ${data.series.length} series`
        : undefined;
  return (
    <section className="space-y-3 rounded-xl border border-slate-800 bg-slate-900 p-4">
      <form onSubmit={submit} className="flex flex-wrap items-end gap-2">
        <FormField label="PromQL (admins)" className="min-w-0 flex-1">
          <input
            className={`${inputClass} w-full font-mono`}
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
            placeholder="sum by (job) (rate(http_server_request_duration_seconds_count[1m]))"
            maxLength={4000}
          />
        </FormField>
        <button
          type="submit"
          className="rounded border border-slate-600 px-3 py-1.5 text-sm hover:bg-slate-800"
        >
          Run
        </button>
      </form>
      {promql && (
        <MetricChart
          title={promql}
          unit="number"
          rangeSeconds={rangeSeconds}
          lines={lines}
          span={data}
          note={result.isPending ? "loading…" : note}
          testId="chart-raw"
        />
      )}
    </section>
  );
}
