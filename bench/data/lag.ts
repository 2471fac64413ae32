import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";
import { percentile } from "./figures";
import { startPaced } from "./pacer";

export type DirectionLag = {
  direction: string;
  /** Heartbeats written, and those seen on the other side before the window closed. */
  written: number;
  arrived: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
};

type Observation = { value: number; at: number };

const HEARTBEAT_MS = 100;
const POLL_MS = 10;

/** Inserts a heartbeat user on `from` (a client write, captured) and waits for it on `to`. */
async function heartbeatRow(from: pg.Pool, to: pg.Pool, label: string): Promise<string> {
  const id = randomUUID();
  await from.query(
    `insert into users (id, did, display_name, roles)
     values ($1, $2, 'hb:0', array['institution'])`,
    [id, `did:key:heartbeat-${label}-${id}`],
  );
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { rows } = await to.query("select 1 from users where id = $1", [id]);
    if (rows.length > 0) return id;
    await sleep(50);
  }
  throw new Error(`the ${label} heartbeat row did not reach the other side in 30 s`);
}

/**
 * How far behind `to` is: every 100 ms the heartbeat row on `from` gets the current time in its
 * display_name; every 10 ms `to` is read. A heartbeat's lag is the first read that shows it (or
 * a later one, which covers it) minus its time; a heartbeat superseded before it arrived counts
 * with the arrival of the one that replaced it.
 */
function measureDirection(from: pg.Pool, to: pg.Pool, id: string, seconds: number) {
  const written: number[] = [];
  const seen: Observation[] = [];
  const writer = startPaced(1000 / HEARTBEAT_MS, async () => {
    const value = Date.now();
    await from.query("update users set display_name = $2 where id = $1", [id, `hb:${value}`]);
    written.push(value);
  });
  let reading = true;
  const reader = (async () => {
    while (reading) {
      const { rows } = await to.query<{ display_name: string }>(
        "select display_name from users where id = $1",
        [id],
      );
      const value = Number(rows[0]?.display_name.slice(3) ?? 0);
      seen.push({ value, at: Date.now() });
      await sleep(POLL_MS);
    }
  })();
  reader.catch(() => undefined); // handled where it is awaited; not an unhandled rejection meanwhile
  return (async () => {
    await sleep(seconds * 1000);
    await writer.stop();
    await sleep(1_500); // the last heartbeats get their chance to arrive
    reading = false;
    await reader;
    return { written: written.length, lags: lagsOf(written, seen) };
  })();
}

function lagsOf(written: readonly number[], seen: readonly Observation[]): number[] {
  const lags: number[] = [];
  let next = 0;
  for (const value of [...written].sort((a, b) => a - b)) {
    while (next < seen.length && (seen[next]?.value ?? 0) < value) next += 1;
    const arrival = seen[next];
    if (!arrival) break;
    lags.push(arrival.at - value);
  }
  return lags;
}

/** Both directions at once over one window of `seconds`. */
export async function measureLag(
  legacy: pg.Pool,
  service: pg.Pool,
  rows: { legacy: string; service: string },
  seconds: number,
): Promise<DirectionLag[]> {
  const directions = [
    { direction: "legacy → service", from: legacy, to: service, id: rows.legacy },
    { direction: "service → legacy", from: service, to: legacy, id: rows.service },
  ];
  return Promise.all(
    directions.map(async ({ direction, from, to, id }) => {
      const { written, lags } = await measureDirection(from, to, id, seconds);
      return {
        direction,
        written,
        arrived: lags.length,
        p50Ms: percentile(lags, 50),
        p99Ms: percentile(lags, 99),
        maxMs: percentile(lags, 100),
      };
    }),
  );
}

/** The heartbeat rows, one written on each side. */
export async function createHeartbeatRows(legacy: pg.Pool, service: pg.Pool) {
  return {
    legacy: await heartbeatRow(legacy, service, "legacy"),
    service: await heartbeatRow(service, legacy, "service"),
  };
}
