import Link from "next/link";

/** Shadow parity of a domain: percentage over the compared requests, coloured by health. */
export function ParityBadge({
  domain,
  percent,
  compared,
}: {
  domain: string;
  percent: number | null;
  compared: number;
}) {
  if (percent === null) {
    return (
      <span className="text-xs text-slate-500" data-testid="parity">
        —
      </span>
    );
  }
  const tone =
    percent >= 99 ? "text-emerald-300" : percent >= 95 ? "text-amber-300" : "text-rose-300";
  return (
    <Link
      href={`/parity?domain=${domain}`}
      className={`font-mono text-xs ${tone} hover:underline`}
      data-testid="parity"
    >
      {percent.toFixed(1)} % <span className="text-slate-500">of {compared}</span>
    </Link>
  );
}
