/**
 * Event backbone benchmark: `npx tsx bench/events/run.ts` (PostgreSQL and Redis on localhost, or
 * TEST_DATABASE_URL / TEST_REDIS_URL). Measures, on the same server in the same run:
 *   - raw XADD with redis-benchmark (the baseline),
 *   - publish through the transactional outbox and the relay (100,000 events),
 *   - consume + ack through a consumer group with the inbox (the same 100,000 events),
 *   - bulk replay of 100,000 dead letters,
 * and prints events/s for each and the ratios to the baseline.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { USER_REGISTERED_V1 } from "@/lib/contracts/identity";
import { defineContractHandler } from "@/lib/events/contract-handler";
import { parseContractEnvelope } from "@/lib/events/contract-parsers";
import { runDeadLetterJob, startDeadLetterJob } from "@/lib/events/dlq-bulk-job";
import { createEventConsumer } from "@/lib/events/event-consumer";
import { createHandlerRegistry } from "@/lib/events/handler-registry";
import { getOutboxBacklog, startOutboxRelay } from "@/lib/events/outbox-relay";
import { publishManyInTransaction } from "@/lib/events/publish";
import { eventStreamKey } from "@/lib/events/stream-keys";
import { seedDeadLetters } from "@/lib/events/testing/dead-letters";
import { createEventsHarness, userRegistered } from "@/lib/events/testing/harness";
import type { OutboxEvent } from "@/lib/events/transport-event";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const RELAY_LOOPS = Number(process.env.BENCH_RELAY_LOOPS ?? 2);
const RELAY_BATCH = Number(process.env.BENCH_RELAY_BATCH ?? 5_000);
const CONSUMERS = Number(process.env.BENCH_CONSUMERS ?? 2);
const run = promisify(execFile);

function rate(count: number, ms: number): number {
  return count / (ms / 1000);
}

function line(label: string, perSecond: number, baseline?: number, target?: number): void {
  const ratio =
    baseline === undefined
      ? ""
      : `   ${((perSecond / baseline) * 100).toFixed(1)} % of raw XADD${
          target === undefined ? "" : ` (target ≥ ${target} %)`
        }`;
  console.log(`${label.padEnd(52)} ${Math.round(perSecond).toString().padStart(9)} /s${ratio}`);
}

async function rawXadd(key: string, extraArgs: string[] = ["f", "v"]): Promise<number> {
  const url = new URL(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
  const { stdout } = await run("redis-benchmark", [
    "-h",
    url.hostname,
    "-p",
    url.port || "6379",
    "-n",
    String(EVENTS),
    "-P",
    "16",
    "--csv",
    "XADD",
    key,
    "*",
    ...extraArgs,
  ]);
  const row = stdout.trim().split("\n").at(-1) ?? "";
  const rps = Number(row.split(",")[1]?.replaceAll('"', ""));
  if (!Number.isFinite(rps)) throw new Error(`cannot read redis-benchmark output: ${stdout}`);
  return rps;
}

async function main(): Promise<void> {
  const h = await createEventsHarness();
  const prefix = h.prefix;
  try {
    const events: OutboxEvent[] = Array.from({ length: EVENTS }, () => userRegistered());
    const payloadBytes = JSON.stringify(events[0]).length;
    console.log(`event backbone benchmark: ${EVENTS} events of ~${payloadBytes} bytes each\n`);

    const raw = await rawXadd(`${prefix}raw:small`);
    line("raw XADD (redis-benchmark -P 16, 'f v')", raw);
    const rawSized = await rawXadd(`${prefix}raw:sized`, ["payload", "x".repeat(payloadBytes)]);
    line(`raw XADD, same payload size (${payloadBytes} bytes)`, rawSized);
    await h.redis.del(`${prefix}raw:small`, `${prefix}raw:sized`);

    // Publish, part 1: the producers' transactions write the outbox (1,000 events per commit).
    let started = performance.now();
    for (let i = 0; i < EVENTS; i += 1_000) {
      await h.db.transaction((tx) => publishManyInTransaction(tx, events.slice(i, i + 1_000)));
    }
    const writeMs = performance.now() - started;

    // Publish, part 2: the relay drains the outbox to the stream.
    let relayed = 0;
    started = performance.now();
    const relay = startOutboxRelay({
      pool: h.pool,
      redis: h.redis,
      prefix,
      batchSize: RELAY_BATCH,
      concurrency: RELAY_LOOPS,
      idleDelayMs: 5,
      onRelayed: (count) => {
        relayed += count;
      },
      onError: (error) => console.error("relay error", error),
    });
    while (relayed < EVENTS) await new Promise((resolve) => setTimeout(resolve, 5));
    const relayMs = performance.now() - started;
    await relay.stop();
    if ((await getOutboxBacklog(h.pool)).unsent !== 0) throw new Error("outbox not drained");

    console.log();
    line("outbox write (producers, 1,000 events / commit)", rate(EVENTS, writeMs));
    line(
      `publish: relay outbox → stream (${RELAY_LOOPS} × ${RELAY_BATCH})`,
      rate(EVENTS, relayMs),
      raw,
      50,
    );
    line("publish: write + relay, end to end", rate(EVENTS, writeMs + relayMs), raw);

    // Consume + ack: one group, the contract parser, the inbox in each batch's transaction.
    let handled = 0;
    const consumers = Array.from({ length: CONSUMERS }, (_, n) =>
      createEventConsumer({
        redis: h.redis,
        db: h.db,
        prefix,
        group: "bench",
        consumer: `bench-${n}`,
        aggregateTypes: ["user"],
        registry: createHandlerRegistry([
          defineContractHandler(USER_REGISTERED_V1, async () => {
            handled += 1;
          }),
        ]),
        parseEnvelope: parseContractEnvelope,
        batchSize: 1_000,
        blockMs: 100,
        onError: (error) => console.error("consumer error", error),
      }),
    );
    started = performance.now();
    for (const consumer of consumers) consumer.start();
    const stream = eventStreamKey(prefix, "user");
    while (true) {
      const [count] = (await h.redis.xpending(stream, "bench")) as [number];
      const groups = (await h.redis.call("XINFO", "GROUPS", stream)) as unknown[][];
      const info = groups[0] ?? [];
      if (info[info.indexOf("entries-read") + 1] === EVENTS && count === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const consumeMs = performance.now() - started;
    await Promise.all(consumers.map((consumer) => consumer.stop()));
    if (handled !== EVENTS) throw new Error(`handled ${handled} of ${EVENTS}`);
    line(
      `consume + ack (${CONSUMERS} consumers, inbox, 1,000 / batch)`,
      rate(EVENTS, consumeMs),
      raw,
      30,
    );

    // DLQ replay: 100,000 dead letters back to their stream, in resumable bulk steps.
    await h.redis.del(stream);
    await seedDeadLetters(h.redis, prefix, events);
    started = performance.now();
    const job = await runDeadLetterJob(
      h.redis,
      prefix,
      await startDeadLetterJob(h.redis, prefix, { action: "replay", aggregateType: "user" }),
      { batchSize: 1_000 },
    );
    const replayMs = performance.now() - started;
    if (job.acted !== EVENTS || (await h.redis.xlen(stream)) !== EVENTS) {
      throw new Error(`replayed ${job.acted} of ${EVENTS}`);
    }
    console.log();
    line("DLQ replay, everything (bulk job, 1,000 / step)", rate(EVENTS, replayMs));
  } finally {
    await h.close();
  }
}

await main();
