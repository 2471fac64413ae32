import Link from "next/link";
import type { RouterOutputs } from "./router-types";
import { TimeAgo } from "./time-ago";

type Alert = RouterOutputs["migration"]["board"]["alerts"][number];

/** Automatic rollbacks by slo-guard in the last day, newest first. */
export function GuardAlerts({ alerts }: { alerts: Alert[] }) {
  if (alerts.length === 0) return null;
  return (
    <section aria-label="alerts" className="space-y-2" data-testid="guard-alerts">
      {alerts.map((a) => (
        <div
          key={a.id}
          role="alert"
          className="flex flex-wrap items-center gap-x-3 rounded-lg border border-rose-800 bg-rose-950/70 px-4 py-2 text-sm text-rose-100"
        >
          <strong>slo-guard rolled {a.domain} back to legacy</strong>
          <span>{a.reason}</span>
          <span className="ml-auto text-rose-300">
            <TimeAgo date={a.at} /> ·{" "}
            <Link href={`/domains/${a.domain}`} className="underline">
              details
            </Link>
          </span>
        </div>
      ))}
    </section>
  );
}
