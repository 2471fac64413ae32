"use client";

import { FormField, inputClass } from "../ui/form-field";

export type DlqFilterState = {
  eventType: string;
  errorContains: string;
  since: string;
  until: string;
};
export const noDlqFilter: DlqFilterState = {
  eventType: "",
  errorContains: "",
  since: "",
  until: "",
};

/** The form state as the tRPC filter input. */
export function toFilterInput(f: DlqFilterState) {
  return {
    eventType: f.eventType.trim() || undefined,
    errorContains: f.errorContains.trim() || undefined,
    since: f.since ? new Date(f.since) : undefined,
    until: f.until ? new Date(f.until) : undefined,
  };
}

export function DlqFilters(props: {
  value: DlqFilterState;
  onChange: (next: DlqFilterState) => void;
}) {
  const set = (change: Partial<DlqFilterState>) => props.onChange({ ...props.value, ...change });
  return (
    <form
      aria-label="dead-letter filters"
      className="flex flex-wrap items-end gap-3"
      onSubmit={(e) => e.preventDefault()}
    >
      <FormField label="Event type">
        <input
          className={inputClass}
          placeholder="identity.UserRegistered"
          value={props.value.eventType}
          onChange={(e) => set({ eventType: e.target.value })}
        />
      </FormField>
      <FormField label="Error contains">
        <input
          className={inputClass}
          placeholder="timeout"
          value={props.value.errorContains}
          onChange={(e) => set({ errorContains: e.target.value })}
        />
      </FormField>
      <FormField label="Since">
        <input
          type="datetime-local"
          className={inputClass}
          value={props.value.since}
          onChange={(e) => set({ since: e.target.value })}
        />
      </FormField>
      <FormField label="Until">
        <input
          type="datetime-local"
          className={inputClass}
          value={props.value.until}
          onChange={(e) => set({ until: e.target.value })}
        />
      </FormField>
      <button
        type="button"
        onClick={() => props.onChange(noDlqFilter)}
        className="rounded px-3 py-1.5 text-sm text-slate-300 hover:bg-slate-800"
      >
        Clear
      </button>
    </form>
  );
}
