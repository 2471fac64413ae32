import Link from "next/link";
import type { DataHealth } from "@/lib/contracts/data-sync";

const LOOKS: Record<DataHealth, { label: string; badge: string; dot: string }> = {
  verified: {
    label: "verified",
    badge: "border-emerald-600 bg-emerald-950 text-emerald-200",
    dot: "bg-emerald-400",
  },
  not_started: {
    label: "not started",
    badge: "border-slate-600 bg-slate-800 text-slate-300",
    dot: "bg-slate-400",
  },
  backfilling: {
    label: "backfilling",
    badge: "border-amber-600 bg-amber-950 text-amber-200",
    dot: "bg-amber-400",
  },
  paused: {
    label: "paused",
    badge: "border-amber-600 bg-amber-950 text-amber-200",
    dot: "bg-amber-400",
  },
  unverified: {
    label: "unverified",
    badge: "border-amber-600 bg-amber-950 text-amber-200",
    dot: "bg-amber-400",
  },
  lagging: {
    label: "lagging",
    badge: "border-rose-600 bg-rose-950 text-rose-200",
    dot: "bg-rose-400",
  },
  differences: {
    label: "differences",
    badge: "border-rose-600 bg-rose-950 text-rose-200",
    dot: "bg-rose-400",
  },
  sync_down: {
    label: "sync down",
    badge: "border-rose-600 bg-rose-950 text-rose-200",
    dot: "bg-rose-400",
  },
};

/** Whether a domain's data is ready for more traffic on its service, coloured by health. */
export function DataHealthBadge({ health }: { health: DataHealth }) {
  const look = LOOKS[health];
  return (
    <span
      data-testid="data-health"
      data-health={health}
      className={`inline-flex items-center gap-1.5 whitespace-nowrap rounded-full border px-2.5 py-0.5 text-xs font-medium ${look.badge}`}
    >
      <span aria-hidden className={`h-1.5 w-1.5 rounded-full ${look.dot}`} />
      {look.label}
    </span>
  );
}

/** The badge with the status's one-line summary under it, linking to the data panel. */
export function DataHealthSummary(props: { health: DataHealth; summary: string; href: string }) {
  return (
    <Link href={props.href} className="group block space-y-1">
      <DataHealthBadge health={props.health} />
      <div className="text-xs text-slate-400 group-hover:text-slate-200" data-testid="data-summary">
        {props.summary}
      </div>
    </Link>
  );
}
