import { context, propagation, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { afterAll, describe, expect, it } from "vitest";
import { activeTraceparent } from "./active-trace";

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const spanId = "00f067aa0ba902b7";

afterAll(() => propagation.disable());

describe("the outgoing traceparent", () => {
  it("is left to the gateway when no span is active (OpenTelemetry not loaded)", () => {
    expect(activeTraceparent()).toBeUndefined();
  });

  it("is the active span's when one is active", () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const active = trace.setSpanContext(context.active(), {
      traceId,
      spanId,
      traceFlags: 1,
    });
    // a context manager is needed for context.with; the span is read from the given context
    const traceparent = context.with(active, () => {
      const span = trace.getSpan(active);
      return span ? withActive(span) : undefined;
    });
    expect(traceparent).toBe(`00-${traceId}-${spanId}-01`);
  });
});

/** Runs activeTraceparent as if `span` were active (the no-op context manager keeps none). */
function withActive(span: ReturnType<typeof trace.getSpan>) {
  const original = trace.getActiveSpan;
  trace.getActiveSpan = () => span;
  const originalActive = context.active;
  const ctx = trace.setSpan(context.active(), span as NonNullable<typeof span>);
  context.active = () => ctx;
  try {
    return activeTraceparent();
  } finally {
    trace.getActiveSpan = original;
    context.active = originalActive;
  }
}
