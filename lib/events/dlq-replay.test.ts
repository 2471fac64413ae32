import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { USER_REGISTERED_V1 } from "@/lib/contracts/identity";
import { defineContractHandler } from "@/lib/events/contract-handler";
import { parseContractEnvelope } from "@/lib/events/contract-parsers";
import { listDeadLetters } from "@/lib/events/dlq-browse";
import {
  continueDeadLetterJob,
  runDeadLetterJob,
  startDeadLetterJob,
} from "@/lib/events/dlq-bulk-job";
import { purgeDeadLetterQueue, purgeDeadLetters } from "@/lib/events/dlq-purge";
import {
  editAndReplayDeadLetter,
  InvalidEditedPayloadError,
  replayDeadLetter,
  replayDeadLetters,
} from "@/lib/events/dlq-replay";
import { createEventConsumer } from "@/lib/events/event-consumer";
import { createHandlerRegistry } from "@/lib/events/handler-registry";
import { relayOutboxBatch } from "@/lib/events/outbox-relay";
import { publishManyInTransaction } from "@/lib/events/publish";
import { fieldsToRecord } from "@/lib/events/stream-entry";
import { deadLetterKey, eventStreamKey } from "@/lib/events/stream-keys";
import { seedDeadLetters } from "@/lib/events/testing/dead-letters";
import { createEventsHarness, userRegistered } from "@/lib/events/testing/harness";

let h: Awaited<ReturnType<typeof createEventsHarness>>;
let counter = 0;

beforeAll(async () => {
  h = await createEventsHarness();
  await h.db.execute(sql`create table test_effects (event_id text not null, prefix text not null)`);
});
afterAll(async () => {
  await h?.close();
});

function testPrefix(): string {
  counter += 1;
  return `${h.prefix}${counter}:`;
}

async function streamFields(prefix: string) {
  return (await h.redis.xrange(eventStreamKey(prefix, "user"), "-", "+")).map(([, f]) =>
    fieldsToRecord(f),
  );
}

describe("dead-letter replay", () => {
  it("replays a poison event after the fault is fixed: processed once, other groups skip it", async () => {
    const prefix = testPrefix();
    const event = userRegistered();
    await h.db.transaction((tx) => publishManyInTransaction(tx, [event]));
    await relayOutboxBatch({ pool: h.pool, redis: h.redis, prefix });
    let broken = true;
    const calls = { reputation: 0, passport: 0 };
    const consumerOf = (group: "reputation" | "passport") =>
      createEventConsumer({
        redis: h.redis,
        db: h.db,
        prefix,
        group,
        consumer: `${group}-1`,
        aggregateTypes: ["user"],
        parseEnvelope: parseContractEnvelope,
        blockMs: 20,
        retry: { baseMs: 1, maxMs: 1, maxDeliveries: 2 },
        registry: createHandlerRegistry([
          defineContractHandler(USER_REGISTERED_V1, async (e, { tx }) => {
            calls[group] += 1;
            if (group === "reputation" && broken) throw new Error("score service down");
            await tx.execute(
              sql`insert into test_effects values (${e.event_id}, ${`${prefix}${group}`})`,
            );
          }),
        ]),
        onError: () => undefined,
      });
    const reputation = consumerOf("reputation");
    const passport = consumerOf("passport");
    await passport.pollOnce();
    await reputation.pollOnce();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await reputation.reclaimOnce();
    const page = await listDeadLetters(h.redis, prefix, { aggregateType: "user" });
    expect(page.entries.map((e) => [e.eventId, e.group, e.deliveries])).toEqual([
      [event.event_id, "reputation", 2],
    ]);

    broken = false;
    const replayed = await replayDeadLetter(h.redis, prefix, "user", page.entries[0]?.id as string);
    expect(replayed?.streamId).toMatch(/^\d+-\d+$/);
    expect(await h.redis.xlen(deadLetterKey(prefix, "user"))).toBe(0);
    const onStream = await streamFields(prefix);
    expect(onStream.at(-1)).toMatchObject({ event_id: event.event_id, replay_count: "1" });
    expect(Object.keys(onStream.at(-1) ?? {}).some((name) => name.startsWith("dlq_"))).toBe(false);

    await reputation.pollOnce();
    await passport.pollOnce();
    expect(calls).toEqual({ reputation: 3, passport: 1 });
    expect(passport.stats.duplicates).toBe(1);
    const effects = await h.db.execute<{ prefix: string }>(
      sql`select prefix from test_effects where event_id = ${event.event_id} order by prefix`,
    );
    expect(effects.rows.map((r) => r.prefix)).toEqual([`${prefix}passport`, `${prefix}reputation`]);
    // A second replay of the same entry finds nothing: it is no longer in the DLQ.
    expect(
      await replayDeadLetter(h.redis, prefix, "user", page.entries[0]?.id as string),
    ).toBeNull();
  });

  it("moves each entry exactly once when replays race, and counts replays", async () => {
    const prefix = testPrefix();
    const ids = await seedDeadLetters(
      h.redis,
      prefix,
      Array.from({ length: 300 }, () => userRegistered()),
    );
    const results = await Promise.all([
      replayDeadLetters(h.redis, prefix, "user", ids),
      replayDeadLetters(h.redis, prefix, "user", [...ids].reverse()),
      replayDeadLetters(h.redis, prefix, "user", ids.slice(100)),
    ]);
    const moved = results.flatMap((r) => r.replayed.map((x) => x.id));
    expect(moved.sort()).toEqual([...ids].sort());
    expect(results.reduce((n, r) => n + r.missing.length, 0)).toBe(300 + 200);
    expect(await h.redis.xlen(eventStreamKey(prefix, "user"))).toBe(300);
    expect(await h.redis.xlen(deadLetterKey(prefix, "user"))).toBe(0);

    // Back in the DLQ with replay_count 1 (as a consumer would copy it), replayed again: 2.
    const [entry] = await h.redis.xrange(eventStreamKey(prefix, "user"), "-", "+", "COUNT", 1);
    const fields = entry?.[1] ?? [];
    const dlqId = (await h.redis.xadd(
      deadLetterKey(prefix, "user"),
      "*",
      ...fields,
      "dlq_stream",
      eventStreamKey(prefix, "user"),
      "dlq_error",
      "again",
    )) as string;
    await replayDeadLetter(h.redis, prefix, "user", dlqId);
    expect((await streamFields(prefix)).at(-1)?.replay_count).toBe("2");
  });

  it("edit-then-replay fixes a malformed entry; an invalid edit changes nothing", async () => {
    const prefix = testPrefix();
    const [id] = await seedDeadLetters(h.redis, prefix, [userRegistered()]);
    const dlqId = id as string;
    await expect(
      editAndReplayDeadLetter(h.redis, prefix, "user", dlqId, "{oops", parseContractEnvelope),
    ).rejects.toBeInstanceOf(InvalidEditedPayloadError);
    await expect(
      editAndReplayDeadLetter(
        h.redis,
        prefix,
        "user",
        dlqId,
        JSON.stringify(userRegistered({ data: { user_id: 1 } })),
        parseContractEnvelope,
      ),
    ).rejects.toThrow(/invalid_data/);
    expect(await h.redis.xlen(deadLetterKey(prefix, "user"))).toBe(1);

    const fixed = userRegistered();
    const result = await editAndReplayDeadLetter(
      h.redis,
      prefix,
      "user",
      dlqId,
      JSON.stringify(fixed),
      parseContractEnvelope,
    );
    expect(result?.event.event_id).toBe(fixed.event_id);
    expect(await h.redis.xlen(deadLetterKey(prefix, "user"))).toBe(0);
    const [onStream] = await streamFields(prefix);
    expect(onStream).toMatchObject({
      event_id: fixed.event_id,
      event_type: fixed.event_type,
      replay_count: "1",
    });
    expect(JSON.parse(onStream?.payload ?? "")).toEqual(fixed);
  });

  it("replays everything matching a filter in resumable steps, not what fails meanwhile", async () => {
    const prefix = testPrefix();
    const ids = await seedDeadLetters(
      h.redis,
      prefix,
      Array.from({ length: 1000 }, () => userRegistered()),
      (i) => ({
        error: i % 4 === 0 ? "Error: TIMEOUT talking to scores" : "Error: other",
        group: "reputation",
      }),
    );
    let job = await startDeadLetterJob(h.redis, prefix, {
      action: "replay",
      aggregateType: "user",
      filter: { errorContains: "timeout" },
    });
    job = await continueDeadLetterJob(h.redis, prefix, job, { batchSize: 40 });
    expect(job).toMatchObject({ acted: 40, done: false });
    expect(job.progress).toBeGreaterThan(0);
    expect(job.progress).toBeLessThan(1);
    // Entries that arrive after the start (e.g. replays failing again) are outside the job.
    await seedDeadLetters(h.redis, prefix, [userRegistered()], () => ({
      error: "timeout",
      group: "g",
    }));
    // The job is plain data: store it, load it, go on (after a crash too).
    const stored = JSON.parse(JSON.stringify(job));
    const steps: number[] = [];
    job = await runDeadLetterJob(h.redis, prefix, stored, {
      batchSize: 40,
      onProgress: (j) => steps.push(j.progress),
    });
    expect(job).toMatchObject({ acted: 250, done: true, progress: 1, skipped: 0 });
    expect(steps.length).toBeGreaterThan(4);
    expect(await h.redis.xlen(eventStreamKey(prefix, "user"))).toBe(250);
    expect(await h.redis.xlen(deadLetterKey(prefix, "user"))).toBe(751);
    const left = await h.redis.xrange(deadLetterKey(prefix, "user"), "-", "+", "COUNT", 1);
    expect(left[0]?.[0]).toBe(ids[1]);
  });

  it("purges chosen entries, entries matching a filter, and a whole queue", async () => {
    const prefix = testPrefix();
    const ids = await seedDeadLetters(
      h.redis,
      prefix,
      Array.from({ length: 100 }, () => userRegistered()),
      (i) => ({ error: "Error: x", group: i < 30 ? "passport" : "reputation" }),
    );
    expect(
      await purgeDeadLetters(h.redis, prefix, "user", [ids[0] as string, ids[1] as string, "1-1"]),
    ).toBe(2);
    const job = await runDeadLetterJob(
      h.redis,
      prefix,
      await startDeadLetterJob(h.redis, prefix, {
        action: "purge",
        aggregateType: "user",
        filter: { group: "passport" },
      }),
    );
    expect(job.acted).toBe(28);
    expect(await h.redis.xlen(eventStreamKey(prefix, "user"))).toBe(0);
    expect(await purgeDeadLetterQueue(h.redis, prefix, "user")).toBe(70);
    expect(await h.redis.exists(deadLetterKey(prefix, "user"))).toBe(0);
  });
});
