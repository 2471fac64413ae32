import { FastifyOtelInstrumentation } from "@fastify/otel";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { PinoInstrumentation } from "@opentelemetry/instrumentation-pino";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { NodeSDK } from "@opentelemetry/sdk-node";
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";

/** Paths probed or scraped every few seconds: tracing them would bury the traffic. */
const UNTRACED_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

function untraced(url: string | undefined): boolean {
  return UNTRACED_PATHS.has((url ?? "").split("?")[0] ?? "");
}

export type TracingOptions = {
  tracesUrl: string;
  serviceName: string;
  serviceVersion: string;
  deploymentEnvironment: string;
  /** Share of new traces recorded (0–1); a continued trace follows its parent's decision. */
  samplingRatio: number;
};

/**
 * Removes a `traceparent` the application set on an undici request by hand (the gateway does):
 * the instrumentation adds its own after this hook, and two values would make the receiver drop
 * both and start a new trace.
 */
function dropHandMadeTraceparent(request: unknown): void {
  const target = request as { headers?: unknown };
  if (typeof target.headers === "string") {
    target.headers = target.headers
      .split("\r\n")
      .filter((line) => !/^traceparent\s*:/i.test(line))
      .join("\r\n");
  } else if (Array.isArray(target.headers)) {
    const kept: unknown[] = [];
    for (let i = 0; i < target.headers.length; i += 2) {
      if (String(target.headers[i]).toLowerCase() === "traceparent") continue;
      kept.push(target.headers[i], target.headers[i + 1]);
    }
    target.headers = kept;
  }
}

/**
 * Starts the OpenTelemetry Node SDK: spans of http, undici, pg, ioredis, Fastify and pino
 * (trace_id/span_id on log lines, no log export), W3C trace-context propagation, batched OTLP/HTTP
 * JSON export. No OpenTelemetry metrics or logs pipeline: metrics are Prometheus (prom-client).
 */
export function startTracing(options: TracingOptions): NodeSDK {
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      [ATTR_SERVICE_VERSION]: options.serviceVersion,
      "service.namespace": "keiko",
      "deployment.environment": options.deploymentEnvironment,
      "deployment.environment.name": options.deploymentEnvironment,
    }),
    autoDetectResources: false,
    // decided once where a trace starts (the gateway, a worker's own loop) and followed downstream
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.samplingRatio) }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: options.tracesUrl }), {
        scheduledDelayMillis: 1_000,
      }),
    ],
    metricReaders: [],
    logRecordProcessors: [],
    textMapPropagator: new W3CTraceContextPropagator(),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => untraced(request.url),
        // the exporter's own posts would trace themselves forever
        ignoreOutgoingRequestHook: (request) => request.path?.startsWith("/v1/traces") ?? false,
      }),
      new UndiciInstrumentation({
        requestHook: (_span, request) => dropHandMadeTraceparent(request),
      }),
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        // the request and handler spans; one span per hook would double the spans per request
        instrumentHooks: false,
        ignorePaths: (route) => UNTRACED_PATHS.has(route.url),
      }),
      new PinoInstrumentation({ disableLogSending: true }),
    ],
  });
  sdk.start();
  return sdk;
}
