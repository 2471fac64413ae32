"use client";

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

const field = "mt-1 block rounded border border-slate-700 bg-slate-950 px-2 py-1.5 text-sm";

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
      <label className="text-xs text-slate-400">
        Event type
        <input
          className={field}
          placeholder="identity.UserRegistered"
          value={props.value.eventType}
          onChange={(e) => set({ eventType: e.target.value })}
        />
      </label>
      <label className="text-xs text-slate-400">
        Error contains
        <input
          className={field}
          placeholder="timeout"
          value={props.value.errorContains}
          onChange={(e) => set({ errorContains: e.target.value })}
        />
      </label>
      <label className="text-xs text-slate-400">
        Since
        <input
          type="datetime-local"
          className={field}
          value={props.value.since}
          onChange={(e) => set({ since: e.target.value })}
        />
      </label>
      <label className="text-xs text-slate-400">
        Until
        <input
          type="datetime-local"
          className={field}
          value={props.value.until}
          onChange={(e) => set({ until: e.target.value })}
        />
      </label>
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
