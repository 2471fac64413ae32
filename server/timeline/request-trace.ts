import { AsyncLocalStorage } from "node:async_hooks";
import { isSpanContextValid, trace } from "@opentelemetry/api";

const traceparentPattern = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;
const requestTrace = new AsyncLocalStorage<string | null>();

/** The trace id of a W3C `traceparent` header, or null when absent or malformed. */
export function traceIdOfTraceparent(header: string | null | undefined): string | null {
  const id = header?.trim().match(traceparentPattern)?.[1];
  return id && !/^0+$/.test(id) ? id : null;
}

/** Runs `fn` with the trace id of the request it serves, for the audit rows it writes. */
export function withRequestTrace<T>(traceId: string | null, fn: () => T): T {
  return requestTrace.run(traceId, fn);
}

/**
 * The trace id of the request being served: its `traceparent` header's, else the active
 * OpenTelemetry span's (when the console runs instrumented), else null.
 */
export function currentTraceId(): string | null {
  const fromHeader = requestTrace.getStore();
  if (fromHeader) return fromHeader;
  const span = trace.getActiveSpan()?.spanContext();
  return span && isSpanContextValid(span) ? span.traceId : null;
}
