"use client";

import type { ReactNode } from "react";
import { FormField, inputClass } from "../ui/form-field";
import {
  ALL_KINDS,
  ALL_SEVERITIES,
  KIND_LABELS,
  type TimelineFilterState,
  toggle,
} from "./timeline-filters";

function Chip(props: { label: string; on: boolean; onClick: () => void }) {
  return (
    <button
      type="button"
      aria-pressed={props.on}
      onClick={props.onClick}
      className={`rounded-full border px-3 py-1 text-xs ${
        props.on
          ? "border-sky-500 bg-sky-950 text-sky-100"
          : "border-slate-700 text-slate-300 hover:bg-slate-800"
      }`}
    >
      {props.label}
    </button>
  );
}

/** Kind and severity chips (none lit: all), a time range, and a way back to everything. */
export function FilterChips(props: {
  filters: TimelineFilterState;
  onChange: (change: Partial<TimelineFilterState>) => void;
  onClear: () => void;
  /** More filters on the row of the dates, before Clear (the timeline's domain select). */
  extra?: ReactNode;
}) {
  const { filters, onChange } = props;
  return (
    <form
      aria-label="timeline filters"
      className="space-y-3"
      onSubmit={(event) => event.preventDefault()}
    >
      <fieldset className="flex flex-wrap items-center gap-2" aria-label="kinds">
        {ALL_KINDS.map((kind) => (
          <Chip
            key={kind}
            label={KIND_LABELS[kind]}
            on={filters.kinds.includes(kind)}
            onClick={() => onChange({ kinds: toggle(filters.kinds, kind) })}
          />
        ))}
      </fieldset>
      <div className="flex flex-wrap items-end gap-3">
        <fieldset className="flex items-center gap-2" aria-label="severities">
          {ALL_SEVERITIES.map((severity) => (
            <Chip
              key={severity}
              label={severity}
              on={filters.severities.includes(severity)}
              onClick={() => onChange({ severities: toggle(filters.severities, severity) })}
            />
          ))}
        </fieldset>
        <FormField label="From">
          <input
            type="datetime-local"
            name="from"
            className={inputClass}
            value={filters.from}
            onChange={(e) => onChange({ from: e.target.value })}
          />
        </FormField>
        <FormField label="To">
          <input
            type="datetime-local"
            name="to"
            className={inputClass}
            value={filters.to}
            onChange={(e) => onChange({ to: e.target.value })}
          />
        </FormField>
        {props.extra}
        <button
          type="button"
          onClick={props.onClear}
          className="rounded px-3 py-1.5 text-sm text-slate-300 hover:bg-slate-800"
        >
          Clear
        </button>
      </div>
    </form>
  );
}
