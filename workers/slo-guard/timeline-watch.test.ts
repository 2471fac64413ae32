import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TimelineRecordInput } from "@/lib/contracts/timeline";
import { DLQ_FIELD } from "@/lib/events/dead-letter";
import { deadLetterKey } from "@/lib/events/stream-keys";
import { redisScope } from "@/lib/events/testing/redis-scope";
import { recordParity } from "@/lib/parity/parity-store";
import { CircuitBreakerRegistry } from "@/lib/resilience/circuit-breakers";
import { RollingStats } from "@/lib/resilience/rolling-stats";
import { StatsPublisher } from "@/lib/resilience/stats-publisher";
import type { GuardControlPlane } from "./control-plane";
import { type SloGuard, startSloGuard } from "./guard-loop";
import type { TimelineWatchSettings } from "./timeline-watch-config";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await sleep(25);
  }
}

const SETTINGS: TimelineWatchSettings = {
  pollMs: 100,
  dlqSpikeCount: 10,
  dlqSpikeWindowSeconds: 60,
  parityDropPercent: 99,
  parityWindowSeconds: 300,
  parityMinSamples: 20,
};

describe("slo-guard's timeline watcher (real Redis, the gateway's real publisher)", () => {
  const scope = redisScope({ per: "test" });
  let guard: SloGuard | null;
  let publisher: StatsPublisher | null;
  let notes: TimelineRecordInput[];
  let failNext: number;

  const controlPlane: GuardControlPlane = {
    guardState: async () => ({ domains: [], at: new Date() }),
    rollback: async () => undefined,
    promote: async () => undefined,
    recordTimeline: async (note) => {
      if (failNext > 0) {
        failNext -= 1;
        throw new Error("control plane down");
      }
      notes.push(note);
    },
  };

  beforeEach(() => {
    guard = null;
    publisher = null;
    notes = [];
    failNext = 0;
  });
  afterEach(async () => {
    await guard?.stop();
    await publisher?.stop();
  });

  async function startGuard() {
    const { client: redis, prefix } = scope;
    guard = await startSloGuard({
      redis,
      prefix,
      controlPlane,
      logger: pino({ level: "silent" }),
      intervalMs: 250,
      timeline: SETTINGS,
    });
  }

  function startGateway(breakers: CircuitBreakerRegistry) {
    const { client: redis, prefix } = scope;
    publisher = new StatsPublisher({
      redis,
      prefix,
      gatewayId: "gw-1",
      breakers,
      stats: new RollingStats(),
      upstreams: () => [
        { domain: "learning", side: "service" },
        { domain: "learning", side: "legacy" },
      ],
      intervalMs: 100,
    }).start();
  }

  it("records a breaker transition once, not once per snapshot, and its way back", async () => {
    await startGuard();
    const breakers = new CircuitBreakerRegistry();
    startGateway(breakers);
    await sleep(400);
    expect(notes).toEqual([]);
    breakers.breaker("learning", "service").force("open");
    // ten snapshots or more go by with the breaker open
    await sleep(1_200);
    expect(notes).toMatchObject([
      {
        kind: "breaker_transition",
        domain: "learning",
        severity: "critical",
        summary: "breaker learning/service closed → open (forced open by an operator)",
      },
    ]);
    breakers.breaker("learning", "service").release();
    await until(() => notes.length === 2);
    await sleep(500);
    expect(notes.map((n) => n.summary)).toEqual([
      "breaker learning/service closed → open (forced open by an operator)",
      "breaker learning/service open → closed",
    ]);
    expect(notes[1]?.severity).toBe("info");
  });

  it("does not record again what a stored snapshot from before its start says", async () => {
    const { client: redis, prefix } = scope;
    const breakers = new CircuitBreakerRegistry();
    breakers.breaker("learning", "service").force("open");
    const early = new StatsPublisher({
      redis,
      prefix,
      gatewayId: "gw-1",
      breakers,
      stats: new RollingStats(),
    });
    await early.publishOnce();
    early.stop();
    await startGuard();
    startGateway(breakers);
    await sleep(800);
    expect(notes).toEqual([]);
  });

  it("keeps notes while the control plane fails and sends them in order later", async () => {
    failNext = 2;
    await startGuard();
    const breakers = new CircuitBreakerRegistry();
    startGateway(breakers);
    await sleep(300);
    breakers.breaker("learning", "service").force("open");
    await sleep(300);
    breakers.breaker("learning", "legacy").force("open");
    await until(() => notes.length === 2);
    expect(notes.map((n) => n.summary)).toEqual([
      "breaker learning/service closed → open (forced open by an operator)",
      "breaker learning/legacy closed → open (forced open by an operator)",
    ]);
  });

  it("records a DLQ spike once, with the consuming domain most letters come from", async () => {
    const { client: redis, prefix } = scope;
    const stream = deadLetterKey(prefix, "user");
    await redis.xadd(stream, "*", DLQ_FIELD.group, "passport", "payload", "{}");
    await startGuard();
    await sleep(300);
    // In one MULTI, so that a poll never sees half of the burst.
    const burst = redis.multi();
    for (let i = 0; i < 12; i += 1) {
      burst.xadd(stream, "*", DLQ_FIELD.group, i < 9 ? "learning" : "passport");
    }
    await burst.exec();
    await until(() => notes.length === 1);
    await redis.xadd(stream, "*", DLQ_FIELD.group, "learning");
    await sleep(400);
    expect(notes).toMatchObject([
      {
        kind: "dlq_spike",
        domain: "learning",
        severity: "warning",
        summary: "dlq:events:user grew by 12 dead letters in 60 s (13 now), mostly from learning",
      },
    ]);
  });

  it("records a DLQ stream that appears with a burst", async () => {
    const { client: redis, prefix } = scope;
    await startGuard();
    await sleep(250);
    const stream = deadLetterKey(prefix, "interaction");
    for (let i = 0; i < 10; i += 1) await redis.xadd(stream, "*", DLQ_FIELD.group, "reputation");
    await until(() => notes.length === 1);
    expect(notes[0]?.domain).toBe("reputation");
  });

  it("records a parity drop once and its recovery once", async () => {
    const { client: redis, prefix } = scope;
    const compare = async (match: boolean, times: number) => {
      for (let i = 0; i < times; i += 1) {
        await recordParity(
          redis,
          prefix,
          "learning",
          match
            ? { match: true, diffs: [], truncated: false }
            : { match: false, diffs: [], truncated: false },
          { method: "GET", path: "/x", legacyStatus: 200, serviceStatus: 200 },
        );
      }
    };
    await compare(true, 100);
    await startGuard();
    await sleep(300);
    expect(notes).toEqual([]);
    // The first poll after the second mismatch sees < 99 %; more mismatches later add no row.
    await compare(false, 5);
    await until(() => notes.length === 1);
    await compare(false, 10);
    await sleep(400);
    expect(notes).toMatchObject([
      {
        kind: "parity_drop",
        domain: "learning",
        severity: "warning",
        summary: expect.stringMatching(
          /^parity of learning fell to 9\d\.\d % \(below 99 %; 10[2-5] comparisons over 300 s\)$/,
        ),
      },
    ]);
    await compare(true, 1_500);
    await until(() => notes.length === 2);
    expect(notes[1]).toMatchObject({
      severity: "info",
      summary: expect.stringMatching(
        /^parity of learning is back at 99\.\d % \(\d+ comparisons over 300 s\)$/,
      ),
    });
  });
});
