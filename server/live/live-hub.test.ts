import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { followHub } from "./follow-hub";
import { LiveHub } from "./live-hub";

/** A source whose value the test sets; counts its reads. */
function source(initial: number) {
  const state = { value: initial, fail: false };
  const hub = new LiveHub<{ n: number }>({
    intervalMs: 20,
    read: async () => {
      if (state.fail) throw new Error("database away");
      return { n: state.value };
    },
  });
  return { state, hub };
}

describe("LiveHub", () => {
  it("reads once per interval whatever the number of subscribers, and only while someone listens", async () => {
    const { hub } = source(1);
    const stops = Array.from({ length: 200 }, () => hub.subscribe(() => {}));
    await sleep(210);
    // ~10 intervals: one producer, not one poll per subscriber (200 × 10)
    expect(hub.reads).toBeGreaterThanOrEqual(3);
    expect(hub.reads).toBeLessThan(20);
    for (const stop of stops) stop();
    expect(hub.listenerCount).toBe(0);
    expect(hub.running).toBe(false);
    const after = hub.reads;
    await sleep(100);
    expect(hub.reads).toBe(after);
  });

  it("announces a change to every subscriber, and nothing when the value is the same", async () => {
    const { state, hub } = source(1);
    const seen: number[][] = [[], []];
    const stops = seen.map((list) => hub.subscribe((frame) => list.push(frame.value.n)));
    await sleep(80);
    state.value = 2;
    await sleep(80);
    for (const stop of stops) stop();
    expect(seen).toEqual([
      [1, 2],
      [1, 2],
    ]);
  });

  it("returns to its baseline of listeners after many subscriptions open and close", async () => {
    const { state, hub } = source(0);
    for (let round = 0; round < 300; round += 1) {
      const abort = new AbortController();
      const stream = followHub(hub, { signal: abort.signal, heartbeatMs: 1_000 });
      const first = await stream.next();
      expect(first.value).toMatchObject({ kind: "update" });
      if (round % 2 === 0) abort.abort();
      await stream.return(undefined); // what tRPC does when the client goes away
      state.value = round;
    }
    expect(hub.listenerCount).toBe(0);
    expect(hub.running).toBe(false);
  });

  it("keeps only the newest frame for a slow subscriber, and sends heartbeats when quiet", async () => {
    const { state, hub } = source(0);
    const stream = followHub(hub, { heartbeatMs: 60 });
    expect((await stream.next()).value).toMatchObject({ kind: "update", value: { n: 0 } });
    for (let n = 1; n <= 5; n += 1) {
      state.value = n;
      await sleep(45); // the consumer does not read: frames 1–4 are replaced, never queued
    }
    expect((await stream.next()).value).toMatchObject({ kind: "update", value: { n: 5 } });
    expect((await stream.next()).value).toMatchObject({ kind: "heartbeat" });
    await stream.return(undefined);
    expect(hub.listenerCount).toBe(0);
  });

  it("keeps the last frame when the source fails, and reports its growing age", async () => {
    const { state, hub } = source(7);
    const stream = followHub(hub, { heartbeatMs: 150 });
    expect((await stream.next()).value).toMatchObject({ kind: "update", value: { n: 7 } });
    state.fail = true;
    const beat = await stream.next();
    expect(beat.value).toMatchObject({ kind: "heartbeat" });
    expect((beat.value as { ageMs: number }).ageMs).toBeGreaterThanOrEqual(100);
    expect(hub.lastError).toBeInstanceOf(Error);
    await stream.return(undefined);
  });

  it("does not resend the frame a reconnecting client already has", async () => {
    const { hub } = source(3);
    const first = followHub(hub, { heartbeatMs: 50 });
    const update = (await first.next()).value as { id: string };
    const again = followHub(hub, { heartbeatMs: 50, lastEventId: update.id });
    expect((await again.next()).value).toMatchObject({ kind: "heartbeat" });
    await first.return(undefined);
    await again.return(undefined);
    expect(hub.listenerCount).toBe(0);
  });
});
