/**
 * The event backbone's trace propagation and metrics, in process, on real PostgreSQL and Redis:
 * a tracer provider with an in-memory exporter stands for the SDK the preload starts.
 */
import { SpanKind, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { USER_REGISTERED_V1 } from "@/lib/contracts/identity";
import { defineContractHandler } from "@/lib/events/contract-handler";
import { parseContractEnvelope } from "@/lib/events/contract-parsers";
import { createEventConsumer } from "@/lib/events/event-consumer";
import { NonRetryableEventError, RetryableEventError } from "@/lib/events/event-errors";
import { createHandlerRegistry } from "@/lib/events/handler-registry";
import { getOutboxBacklog, relayOutboxBatch } from "@/lib/events/outbox-relay";
import { publishInTransaction } from "@/lib/events/publish";
import { eventStreamKey } from "@/lib/events/stream-keys";
import { createEventsHarness, userRegistered, waitFor } from "@/lib/events/testing/harness";
import { addConsumerLagSource, addOutboxBacklogSource } from "./backbone-gauges";

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let h: Awaited<ReturnType<typeof createEventsHarness>>;

beforeAll(async () => {
  provider.register();
  h = await createEventsHarness();
});
afterAll(async () => {
  await h?.close();
  await provider.shutdown();
  trace.disable();
});

/** The value of `name{labels}` in the registry's exposition, or undefined. */
async function sample(registry: Registry, name: string, labels: Record<string, string>) {
  const json = await registry.getMetricsAsJSON();
  const metric = json.find((m) => m.name === name);
  const values = (metric?.values ?? []) as Array<{
    labels: Record<string, unknown>;
    value: number;
  }>;
  return values.find((v) =>
    Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want),
  )?.value;
}

describe("trace context through the outbox and the consumer", () => {
  it("makes the consumer's span a child of the producer's span, and the handler's work its child", async () => {
    const prefix = `${h.prefix}trace:`;
    const registry = new Registry();
    const tracer = trace.getTracer("test");
    const event = userRegistered();
    await tracer.startActiveSpan("POST /users", async (request) => {
      await h.db.transaction((tx) => publishInTransaction(tx, event));
      request.end();
    });
    while (
      (await relayOutboxBatch({ pool: h.pool, redis: h.redis, prefix, metrics: registry })) > 0
    ) {}

    let handlerSpanId: string | undefined;
    const consumer = createEventConsumer({
      redis: h.redis,
      db: h.db,
      prefix,
      group: "passport",
      consumer: "c1",
      aggregateTypes: ["user"],
      registry: createHandlerRegistry([
        defineContractHandler(USER_REGISTERED_V1, async () => {
          tracer.startActiveSpan("handler work", (span) => {
            handlerSpanId = span.spanContext().spanId;
            span.end();
          });
        }),
      ]),
      parseEnvelope: parseContractEnvelope,
      blockMs: 50,
      metrics: registry,
    });
    await consumer.pollOnce();
    await consumer.stop();

    const spans = exporter.getFinishedSpans();
    const request = spans.find((s) => s.name === "POST /users");
    const producer = spans.find((s) => s.kind === SpanKind.PRODUCER);
    const consumed = spans.find((s) => s.kind === SpanKind.CONSUMER);
    const work = spans.find((s) => s.spanContext().spanId === handlerSpanId);
    expect(producer?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
    // the event carried the producer span, replacing the traceparent the caller had put there
    expect(consumed?.spanContext().traceId).toBe(request?.spanContext().traceId);
    expect(consumed?.parentSpanContext?.spanId).toBe(producer?.spanContext().spanId);
    expect(consumed?.name).toBe(`process ${eventStreamKey(prefix, "user")}`);
    expect(consumed?.attributes).toMatchObject({
      "messaging.system": "redis",
      "messaging.operation.type": "process",
      "messaging.consumer.group.name": "passport",
      "messaging.message.id": event.event_id,
    });
    expect(work?.parentSpanContext?.spanId).toBe(consumed?.spanContext().spanId);
    expect(
      await sample(registry, "events_published_total", { type: "identity.UserRegistered" }),
    ).toBe(1);
    expect(
      await sample(registry, "events_consumed_total", {
        type: "identity.UserRegistered",
        group: "passport",
      }),
    ).toBe(1);
  });
});

describe("backbone metrics", () => {
  it("counts retries and dead letters by type, group and reason", async () => {
    const prefix = `${h.prefix}metrics:`;
    const registry = new Registry();
    const [retried, poisoned] = [userRegistered(), userRegistered()];
    const attempts = new Map<string, number>();
    await h.db.transaction(async (tx) => {
      await publishInTransaction(tx, retried);
      await publishInTransaction(tx, poisoned);
    });
    while (
      (await relayOutboxBatch({ pool: h.pool, redis: h.redis, prefix, metrics: registry })) > 0
    ) {}
    const consumer = createEventConsumer({
      redis: h.redis,
      db: h.db,
      prefix,
      group: "learning",
      consumer: "c1",
      aggregateTypes: ["user"],
      registry: createHandlerRegistry([
        defineContractHandler(USER_REGISTERED_V1, async (event) => {
          const n = (attempts.get(event.event_id) ?? 0) + 1;
          attempts.set(event.event_id, n);
          if (event.event_id === poisoned.event_id) throw new NonRetryableEventError("bad data");
          if (n === 1) throw new RetryableEventError("database busy");
        }),
      ]),
      parseEnvelope: parseContractEnvelope,
      blockMs: 50,
      // long enough that the claim heartbeat keeps a slow batch from the reclaimer on a loaded host
      retry: { baseMs: 300, maxMs: 600, maxDeliveries: 3 },
      reclaimIntervalMs: 100,
      metrics: registry,
    });
    consumer.start();
    await waitFor("the retried event to be consumed", () => consumer.stats.processed === 1);
    await consumer.stop();
    const type = "identity.UserRegistered";
    const group = "learning";
    // under load a redelivery may fail again: the counters must agree with the consumer's own stats
    expect(consumer.stats.retried).toBeGreaterThanOrEqual(1);
    expect(await sample(registry, "events_published_total", { type })).toBe(2);
    expect(await sample(registry, "events_retried_total", { type, group })).toBe(
      consumer.stats.retried,
    );
    expect(await sample(registry, "events_consumed_total", { type, group })).toBe(1);
    expect(consumer.stats.deadLettered).toBeGreaterThanOrEqual(1);
    expect(
      await sample(registry, "events_dead_lettered_total", {
        type,
        group,
        reason: "non_retryable",
      }),
    ).toBe(consumer.stats.deadLettered);
  });

  it("reads consumer lag, pending entries and the outbox backlog at scrape time", async () => {
    const prefix = `${h.prefix}lag:`;
    const registry = new Registry();
    const key = eventStreamKey(prefix, "user");
    await h.redis.xgroup("CREATE", key, "reputation", "0", "MKSTREAM");
    for (let i = 0; i < 3; i += 1) await h.redis.xadd(key, "*", "payload", "{}");
    // one entry read and not acknowledged: pending 1, lag 2
    await h.redis.xreadgroup("GROUP", "reputation", "c1", "COUNT", 1, "STREAMS", key, ">");
    const removeLag = addConsumerLagSource(registry, h.redis, "reputation", [{ key }]);
    const backlog = await getOutboxBacklog(h.pool);
    await h.db.transaction((tx) => publishInTransaction(tx, userRegistered()));
    const removeBacklog = addOutboxBacklogSource(registry, "events_test", () =>
      getOutboxBacklog(h.pool),
    );
    const labels = { group: "reputation", stream: key };
    expect(await sample(registry, "consumer_lag", labels)).toBe(2);
    expect(await sample(registry, "consumer_pending", labels)).toBe(1);
    expect(await sample(registry, "outbox_backlog", { database: "events_test" })).toBe(
      backlog.unsent + 1,
    );
    removeLag();
    removeBacklog();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await sample(registry, "consumer_lag", labels)).toBeUndefined();
  });
});
