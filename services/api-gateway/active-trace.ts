import { context, propagation, trace } from "@opentelemetry/api";

/**
 * The `traceparent` of the active OpenTelemetry span's context when a span is active
 * (lib/observability/preload.ts loaded with OTEL_EXPORTER_OTLP_ENDPOINT set); undefined without one,
 * and the gateway continues the trace with a span id of its own. Without the SDK the API's no-op
 * context manager answers at once: nothing allocated per request. (With the undici
 * instrumentation on, it replaces this value with its client span's: tracing-sdk.ts.)
 */
export function activeTraceparent(): string | undefined {
  const span = trace.getActiveSpan();
  if (span === undefined || !trace.isSpanContextValid(span.spanContext())) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent || undefined;
}
