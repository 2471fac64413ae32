import { trace } from "@opentelemetry/api";
import type { LoggerOptions } from "pino";

/**
 * pino options of every process: JSON lines with the service's name, the level from LOG_LEVEL,
 * and the active span's trace_id and span_id on every line logged inside a traced operation.
 */
export function loggerOptions(service: string, level: string): LoggerOptions {
  return {
    level,
    base: { service },
    mixin() {
      const context = trace.getActiveSpan()?.spanContext();
      return context ? { trace_id: context.traceId, span_id: context.spanId } : {};
    },
  };
}
