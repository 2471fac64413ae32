import { randomUUID } from "node:crypto";
import { Pool } from "undici";
import { type Paced, startPaced } from "./pacer";

export type WriteCounts = {
  /** 201 answers by the side that took them (the gateway's x-keiko-upstream). */
  created: Map<string, number>;
  /** Other answers by status (503 while a write fence is up). */
  refused: Map<number, number>;
  errors: number;
  /** Not sent: the stack already had MAX_IN_FLIGHT requests of ours (it fell behind). */
  skipped: number;
  /** Latency of each 201, in ms. */
  latencies: number[];
};

export type WriteLoad = {
  paced: Paced;
  counts: WriteCounts;
  /** Requests sent and not answered yet. */
  inFlight(): number;
  stop(): Promise<void>;
};

/** Requests of ours the stack may hold at once; beyond it the load counts them as skipped. */
export const MAX_IN_FLIGHT = 256;

const bump = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);

/**
 * `rate` user registrations a second through the gateway (POST /api/identity/v1/users), each a
 * new user with its own `x-keiko-user`, so a canary splits them by its weight.
 */
export function startWriteLoad(gatewayUrl: string, rate: number): WriteLoad {
  const pool = new Pool(gatewayUrl, { connections: 64, pipelining: 1 });
  const counts: WriteCounts = {
    created: new Map(),
    refused: new Map(),
    errors: 0,
    skipped: 0,
    latencies: [],
  };
  let stopped: Promise<void> | undefined;
  let inFlight = 0;
  const paced = startPaced(rate, async () => {
    if (inFlight >= MAX_IN_FLIGHT) {
      counts.skipped += 1;
      return;
    }
    inFlight += 1;
    const id = randomUUID();
    const started = performance.now();
    try {
      const response = await pool.request({
        method: "POST",
        path: "/api/identity/v1/users",
        headers: { "content-type": "application/json", "x-keiko-user": id },
        body: JSON.stringify({
          id,
          did: `did:key:z6Mk${id.replace(/-/g, "")}`,
          displayName: "Bench user",
          roles: ["student"],
        }),
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      await response.body.arrayBuffer();
      if (response.statusCode === 201) {
        counts.latencies.push(performance.now() - started);
        bump(counts.created, String(response.headers["x-keiko-upstream"] ?? "?"));
      } else bump(counts.refused, response.statusCode);
    } catch {
      counts.errors += 1;
    } finally {
      inFlight -= 1;
    }
  });
  return {
    paced,
    counts,
    inFlight: () => inFlight,
    stop() {
      stopped ??= paced.stop().then(() => pool.close());
      return stopped;
    },
  };
}

/** Total answers so far, for differences over a window. */
export function snapshot(counts: WriteCounts) {
  const sum = (map: Map<unknown, number>) => [...map.values()].reduce((a, b) => a + b, 0);
  return {
    created: sum(counts.created),
    refused: sum(counts.refused),
    fenced: counts.refused.get(503) ?? 0,
    errors: counts.errors,
    skipped: counts.skipped,
    latencies: counts.latencies.length,
  };
}
