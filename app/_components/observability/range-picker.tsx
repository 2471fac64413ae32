"use client";

/** The windows the page offers, 15 minutes to 7 days (the router accepts nothing outside). */
export const RANGES = [
  { label: "15m", seconds: 15 * 60 },
  { label: "1h", seconds: 3600 },
  { label: "6h", seconds: 6 * 3600 },
  { label: "24h", seconds: 24 * 3600 },
  { label: "7d", seconds: 7 * 24 * 3600 },
] as const;

/** A row of buttons choosing the charts' time window. */
export function RangePicker({
  value,
  onChange,
}: {
  value: number;
  onChange: (seconds: number) => void;
}) {
  return (
    <fieldset aria-label="time range" className="flex rounded-md border border-slate-700">
      {RANGES.map((range) => (
        <button
          key={range.label}
          type="button"
          aria-pressed={value === range.seconds}
          onClick={() => onChange(range.seconds)}
          className={`px-3 py-1 text-xs font-medium first:rounded-l-md last:rounded-r-md ${
            value === range.seconds ? "bg-sky-700 text-white" : "text-slate-300 hover:bg-slate-800"
          }`}
        >
          {range.label}
        </button>
      ))}
    </fieldset>
  );
}
