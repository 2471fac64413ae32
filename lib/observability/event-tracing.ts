import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";

/** One tracer for the event backbone's own spans (the instrumentations cover pg, Redis, HTTP). */
const tracer = trace.getTracer("keiko-events");

/** Incubating messaging attributes (semantic conventions 1.x), spelled out as advised upstream. */
const MESSAGING = {
  system: "messaging.system",
  operationType: "messaging.operation.type",
  operationName: "messaging.operation.name",
  destination: "messaging.destination.name",
  group: "messaging.consumer.group.name",
  messageId: "messaging.message.id",
  deliveryCount: "messaging.message.delivery_count",
} as const;

/** The traceparent of `span`'s context, W3C-encoded by the registered propagator. */
function traceparentOf(span: Span): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(context.active(), span), carrier);
  return carrier.traceparent;
}

type Published = { event_type: string; aggregate_type: string; event_id?: string };

/**
 * Opens and ends a PRODUCER span ("create <stream>") for events written to the outbox, a child of
 * the active span, and returns its traceparent: the consumers' spans become its children. When
 * tracing is off (no SDK: the span does not record) it returns undefined and costs one no-op call.
 */
export function producerTraceparent(events: readonly Published[]): string | undefined {
  const first = events[0];
  if (!first) return undefined;
  const span = tracer.startSpan(`create events:${first.aggregate_type}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      [MESSAGING.system]: "redis",
      [MESSAGING.operationType]: "create",
      [MESSAGING.operationName]: "outbox insert",
      [MESSAGING.destination]: `events:${first.aggregate_type}`,
      "messaging.batch.message_count": events.length,
      ...(events.length === 1 && first.event_id && { [MESSAGING.messageId]: first.event_id }),
      "keiko.event_type": first.event_type,
    },
  });
  if (!span.isRecording()) return undefined;
  const traceparent = traceparentOf(span);
  span.end();
  return traceparent;
}

/** The active span's traceparent, or undefined when nothing is being traced. */
export function activeTraceparent(): string | undefined {
  const span = trace.getActiveSpan();
  return span?.isRecording() ? traceparentOf(span) : undefined;
}

export type ConsumedEvent = {
  event_id: string;
  event_type: string;
  metadata?: { traceparent?: string | undefined } | undefined;
};

export type Consumption = { group: string; stream: string; entryId: string; deliveries: number };

/**
 * Runs a handler inside a CONSUMER span ("process <stream>") whose parent is the producer's span
 * named by the event's `metadata.traceparent` (a new trace when it has none). A throw marks the
 * span as failed and is rethrown. Tracing off: `run()` alone.
 */
export async function inConsumerSpan<T>(
  event: ConsumedEvent,
  consumption: Consumption,
  run: () => Promise<T>,
): Promise<T> {
  const traceparent = event.metadata?.traceparent;
  const parent = traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
  const span = tracer.startSpan(
    `process ${consumption.stream}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        [MESSAGING.system]: "redis",
        [MESSAGING.operationType]: "process",
        [MESSAGING.operationName]: "handle",
        [MESSAGING.destination]: consumption.stream,
        [MESSAGING.group]: consumption.group,
        [MESSAGING.messageId]: event.event_id,
        [MESSAGING.deliveryCount]: consumption.deliveries,
        "keiko.event_type": event.event_type,
        "keiko.stream_entry_id": consumption.entryId,
      },
    },
    parent,
  );
  if (!span.isRecording()) return run();
  try {
    return await context.with(trace.setSpan(parent, span), run);
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: String((error as Error)?.message ?? error),
    });
    throw error;
  } finally {
    span.end();
  }
}
