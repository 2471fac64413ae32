import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { moveToDeadLetter } from "@/lib/events/dead-letter";
import { deadLetterKey, eventStreamKey } from "@/lib/events/stream-keys";
import { userRegisteredEvent } from "@/lib/testing/domain-events";
import { type ControlFixture, createControlFixture } from "@/server/testing/control-fixture";

let fx: ControlFixture;
beforeAll(async () => {
  fx = await createControlFixture();
});
afterAll(() => fx?.close());

function userRegistered() {
  return userRegisteredEvent(crypto.randomUUID(), {
    displayName: "Poison",
    metadata: { correlation_id: "test", producer: "identity" },
  });
}

/** Dead-letters `n` events of type user as the consumer would, with the given error. */
async function deadLetter(n: number, error: string) {
  const { redis, prefix } = fx.bus;
  const items = [];
  for (let i = 0; i < n; i++) {
    const event = userRegistered();
    const fields = {
      event_id: event.event_id,
      event_type: event.event_type,
      payload: JSON.stringify(event),
    };
    const id = await redis.xadd(
      eventStreamKey(prefix, "user"),
      "*",
      ...Object.entries(fields).flat(),
    );
    items.push({
      aggregateType: "user",
      stream: eventStreamKey(prefix, "user"),
      id: id as string,
      fields,
      error,
      reason: "max_deliveries" as const,
      group: "learning",
      consumer: "learning-1",
      deliveries: 5,
    });
  }
  await moveToDeadLetter(redis, prefix, items);
}

const dlqLength = () => fx.bus.redis.xlen(deadLetterKey(fx.bus.prefix, "user"));
const streamLength = () => fx.bus.redis.xlen(eventStreamKey(fx.bus.prefix, "user"));

describe("dlq router", () => {
  it("lists queues and pages entries with a filter, for a viewer", async () => {
    await deadLetter(5, "database timeout");
    await deadLetter(3, "unknown tutor");
    expect(await fx.viewer.dlq.queues()).toEqual([
      expect.objectContaining({ aggregateType: "user", length: 8 }),
    ]);
    const first = await fx.viewer.dlq.list({ aggregateType: "user", limit: 3 });
    expect(first.entries).toHaveLength(3);
    expect(first.entries[0]).toMatchObject({
      eventType: "identity.UserRegistered",
      group: "learning",
      deliveries: 5,
    });
    const second = await fx.viewer.dlq.list({
      aggregateType: "user",
      limit: 3,
      cursor: first.nextCursor ?? undefined,
    });
    expect(second.entries.map((e) => e.id)).not.toContain(first.entries[0]?.id);
    const tutors = await fx.viewer.dlq.list({
      aggregateType: "user",
      filter: { errorContains: "TUTOR" },
    });
    expect(tutors.entries).toHaveLength(3);
    const entry = await fx.viewer.dlq.get({
      aggregateType: "user",
      id: tutors.entries[0]?.id as string,
    });
    expect(entry.error).toBe("unknown tutor");
    expect(JSON.parse(entry.payload ?? "{}")).toMatchObject({
      event_type: "identity.UserRegistered",
    });
  });

  it("replays chosen entries atomically for an operator, audited with the count; refuses a viewer", async () => {
    const { entries } = await fx.viewer.dlq.list({ aggregateType: "user", limit: 2 });
    const ids = entries.map((e) => e.id);
    await expect(fx.viewer.dlq.replay({ aggregateType: "user", ids })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const before = { dlq: await dlqLength(), stream: await streamLength() };
    expect(await fx.operator.dlq.replay({ aggregateType: "user", ids })).toMatchObject({
      replayed: 2,
      missing: [],
    });
    expect(await dlqLength()).toBe(before.dlq - 2);
    expect(await streamLength()).toBe(before.stream + 2);
    const again = await fx.operator.dlq.replay({ aggregateType: "user", ids });
    expect(again).toMatchObject({ replayed: 0, missing: ids });
    const { items } = await fx.viewer.audit.list({ action: "dlq.replay", limit: 5 });
    expect(items[1]).toMatchObject({
      actor: "test-operator",
      target: "dlq:user",
      after: { count: 2 },
    });
  });

  it("keeps the bulk-job index bounded: expired and surplus ids go when a job starts", async () => {
    const index = `${fx.bus.prefix}console:dlq-jobs`;
    const old = Date.now() - 3 * 24 * 3600 * 1000;
    const stale: Array<string | number> = [];
    for (let i = 0; i < 1_500; i++) stale.push(old - i, `stale-${i}`);
    await fx.bus.redis.zadd(index, ...stale);
    await deadLetter(1, "index trim");
    const job = await fx.admin.dlq.startBulk({
      action: "purge",
      aggregateType: "user",
      filter: { errorContains: "index trim" },
    });
    expect(await fx.bus.redis.zrange(index, "0", "-1")).toEqual([job.jobId]);
    expect(await fx.bus.redis.pttl(index)).toBeGreaterThan(0);
    expect((await fx.viewer.dlq.unfinishedJobs()).map((j) => j.jobId)).toContain(job.jobId);
    let state = job;
    while (!state.job.done) state = await fx.admin.dlq.stepBulk({ jobId: job.jobId });
  });

  it("replays everything matching a filter in resumable steps with progress", async () => {
    const job = await fx.operator.dlq.startBulk({
      action: "replay",
      aggregateType: "user",
      filter: { errorContains: "timeout" },
    });
    expect(job.job).toMatchObject({ done: false, acted: 0 });
    expect((await fx.viewer.dlq.unfinishedJobs()).map((j) => j.jobId)).toContain(job.jobId);
    let state = job;
    while (!state.job.done) state = await fx.operator.dlq.stepBulk({ jobId: job.jobId });
    expect(state.job).toMatchObject({ done: true, progress: 1 });
    const remaining = await fx.viewer.dlq.list({
      aggregateType: "user",
      filter: { errorContains: "timeout" },
    });
    expect(remaining.entries).toHaveLength(0);
    expect(state.job.acted).toBeGreaterThan(0);
    const { items } = await fx.viewer.audit.list({ action: "dlq.replay-matching", limit: 5 });
    expect(items[0]?.after).toMatchObject({ jobId: job.jobId, done: true, total: state.job.acted });
  });

  it("lets only an admin edit-then-replay, and refuses an edit that breaks the contract", async () => {
    await deadLetter(1, "bad display name");
    const { entries } = await fx.viewer.dlq.list({
      aggregateType: "user",
      filter: { errorContains: "display" },
    });
    const entry = entries[0];
    if (!entry?.payload) throw new Error("no entry");
    const edited = JSON.parse(entry.payload);
    edited.data.display_name = "Fixed name";
    const input = { aggregateType: "user", id: entry.id, payload: JSON.stringify(edited) };
    await expect(fx.operator.dlq.editAndReplay(input)).rejects.toMatchObject({ code: "FORBIDDEN" });
    const broken = { ...input, payload: JSON.stringify({ ...edited, event_id: "nope" }) };
    await expect(fx.admin.dlq.editAndReplay(broken)).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("the edited event is refused"),
    });
    const done = await fx.admin.dlq.editAndReplay(input);
    const [[, fields] = ["", []]] = await fx.bus.redis.xrange(
      eventStreamKey(fx.bus.prefix, "user"),
      done.streamId,
      done.streamId,
    );
    expect(fields.join(" ")).toContain("Fixed name");
  });

  it("purges only for an admin, and a whole queue only with its name typed", async () => {
    await deadLetter(2, "purge me");
    const { entries } = await fx.viewer.dlq.list({
      aggregateType: "user",
      filter: { errorContains: "purge me" },
    });
    const ids = entries.map((e) => e.id);
    await expect(fx.operator.dlq.purge({ aggregateType: "user", ids })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(
      fx.operator.dlq.startBulk({ action: "purge", aggregateType: "user", filter: {} }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await fx.admin.dlq.purge({ aggregateType: "user", ids })).toEqual({ purged: 2 });
    await expect(
      fx.admin.dlq.purgeQueue({ aggregateType: "user", confirm: "yes" }),
    ).rejects.toThrowError(/type user to confirm/);
    const left = await dlqLength();
    expect(await fx.admin.dlq.purgeQueue({ aggregateType: "user", confirm: "user" })).toEqual({
      purged: left,
    });
    expect(await dlqLength()).toBe(0);
  });

  it("refuses bad input clearly", async () => {
    await expect(
      fx.operator.dlq.replay({ aggregateType: "User!", ids: ["1-0"] }),
    ).rejects.toThrowError(/aggregate type must be lower snake_case/);
    await expect(
      fx.operator.dlq.replay({ aggregateType: "user", ids: ["abc"] }),
    ).rejects.toThrowError(/a dead-letter id looks like/);
    await expect(fx.operator.dlq.replay({ aggregateType: "user", ids: [] })).rejects.toThrowError(
      /select at least one entry/,
    );
  });
});

describe("events router", () => {
  it("shows each stream with its groups", async () => {
    await fx.bus.redis.xgroup(
      "CREATE",
      eventStreamKey(fx.bus.prefix, "user"),
      "passport",
      "0",
      "MKSTREAM",
    );
    const streams = await fx.viewer.events.streams();
    const user = streams.find((s) => s.aggregateType === "user");
    expect(user).toMatchObject({ aggregateType: "user" });
    expect(user?.length).toBeGreaterThan(0);
    expect(user?.groups.map((g) => g.name)).toContain("passport");
    await expect(fx.anonymous.events.streams()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});
