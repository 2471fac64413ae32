import type { WallSnapshot } from "@/server/wall/wall-snapshot";
import { humanAge } from "./wall-freshness";

const MAX_ITEMS = 4;

/** The bottom row: breakers not closed, dead letters per stream, the last automatic rollbacks. */
export function WallPanels({ snapshot, now }: { snapshot: WallSnapshot; now: number }) {
  const letters = snapshot.deadLetters;
  const waiting = letters?.filter((q) => q.depth > 0) ?? [];
  return (
    <div className="grid min-h-0 flex-1 grid-cols-3 gap-[1.2em]">
      <Panel
        title="Breakers not closed"
        testId="wall-breakers"
        ok={snapshot.breakers.length === 0}
        empty={snapshot.gatewaysReporting === 0 ? "no gateway reporting" : "all closed"}
        items={snapshot.breakers.map((b) => ({
          key: `${b.domain}:${b.side}`,
          text: `${b.domain} ${b.side}`,
          value: `${b.state}${b.forced ? " (forced)" : ""}`,
          bad: b.state === "open",
        }))}
      />
      <Panel
        title="Dead letters"
        testId="wall-dlq"
        ok={waiting.length === 0}
        empty={letters === null ? "Redis unreachable" : "none"}
        items={waiting.map((q) => ({
          key: q.stream,
          text: q.stream,
          value: q.depth.toLocaleString("en"),
          bad: q.nearCap,
        }))}
      />
      <Panel
        title="Automatic rollbacks (24 h)"
        testId="wall-rollbacks"
        ok={snapshot.rollbacks.length === 0}
        empty="none"
        items={snapshot.rollbacks.map((r) => ({
          key: String(r.id),
          text: `${r.domain} from ${r.from}`,
          value: `${humanAge(now - Date.parse(r.at))} ago`,
          bad: true,
        }))}
      />
    </div>
  );
}

function Panel(props: {
  title: string;
  testId: string;
  ok: boolean;
  empty: string;
  items: { key: string; text: string; value: string; bad: boolean }[];
}) {
  const shown = props.items.slice(0, MAX_ITEMS);
  const more = props.items.length - shown.length;
  return (
    <section
      data-testid={props.testId}
      className={`flex min-h-0 flex-col overflow-hidden rounded-[0.6em] border-[0.15em] px-[1em] py-[0.7em] ${props.ok ? "border-slate-700" : "border-rose-500"}`}
    >
      <h2 className="text-[1.3em] font-semibold uppercase tracking-wide text-slate-300">
        {props.title}
      </h2>
      {shown.length === 0 ? (
        <p className="mt-[0.3em] text-[2em] font-semibold text-emerald-300">{props.empty}</p>
      ) : (
        <ul className="mt-[0.3em] space-y-[0.15em]">
          {shown.map((item) => (
            <li
              key={item.key}
              className="flex items-baseline justify-between gap-[1em] text-[1.7em]"
            >
              <span className="truncate">{item.text}</span>
              <span
                className={`font-bold tabular-nums ${item.bad ? "text-rose-400" : "text-amber-300"}`}
              >
                {item.value}
              </span>
            </li>
          ))}
          {more > 0 && <li className="text-[1.3em] text-slate-400">+{more} more</li>}
        </ul>
      )}
    </section>
  );
}
