import { z } from "zod";
import { parseEnv } from "./parse-env";

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional();

/**
 * OpenTelemetry settings every process reads in its preload (lib/observability/preload.ts).
 * Without OTEL_EXPORTER_OTLP_ENDPOINT tracing is off: no SDK, no instrumentation, no cost.
 */
export const TelemetryEnvSchema = z.object({
  /** Base URL of an OTLP/HTTP receiver (a collector, Jaeger, Tempo); `/v1/traces` is appended. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalText.pipe(
    z
      .url({ message: "must be the http(s):// base URL of an OTLP/HTTP receiver" })
      .refine((v) => /^https?:\/\//.test(v), "must start with http:// or https://")
      .optional(),
  ),
  /** The resource's service.name; unset, it is derived from the entry script. */
  OTEL_SERVICE_NAME: optionalText.pipe(
    z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,62}$/, "must be a lower-case name such as learning-consumer")
      .optional(),
  ),
  /** Share of the traces started here that are recorded, 0 to 1 (parent-based, ratio at the root). */
  OTEL_TRACES_SAMPLER_ARG: z.coerce
    .number({ error: () => "must be a number from 0 to 1" })
    .min(0, "must be a number from 0 to 1")
    .max(1, "must be a number from 0 to 1")
    .default(1),
  DEPLOYMENT_ENVIRONMENT: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "must be a short lower-case name such as staging")
    .default("local"),
});

export type TelemetryEnv = z.infer<typeof TelemetryEnvSchema>;

/** What the preload needs: whether to trace, where to, and under which resource attributes. */
export type TelemetryConfig = {
  /** The OTLP/HTTP traces URL, or null when tracing is off. */
  tracesUrl: string | null;
  serviceName: string;
  deploymentEnvironment: string;
  samplingRatio: number;
};

/** The service name of an entry script: services/<s>/main.ts → s, …/consume.ts → s-consumer. */
export function serviceNameOfEntry(entry: string | undefined): string {
  const parts = (entry ?? "").split(/[\\/]/).filter(Boolean);
  const file = (parts.at(-1) ?? "node").replace(/\.[cm]?[jt]s$/, "");
  const folder = parts.at(-2);
  const service = parts.at(-3) === "services" ? folder : undefined;
  if (service && file === "main") return service;
  if (service && file === "consume") return `${service}-consumer`;
  return file.toLowerCase().replace(/[^a-z0-9-]/g, "-");
}

/** Reads the telemetry settings once; a bad value throws one line naming the variable. */
export function loadTelemetryConfig(
  env: Record<string, string | undefined>,
  entry: string | undefined,
): TelemetryConfig {
  const parsed = parseEnv(TelemetryEnvSchema, env);
  const endpoint = parsed.OTEL_EXPORTER_OTLP_ENDPOINT;
  return {
    tracesUrl: endpoint
      ? new URL("v1/traces", endpoint.endsWith("/") ? endpoint : `${endpoint}/`).href
      : null,
    serviceName: parsed.OTEL_SERVICE_NAME ?? serviceNameOfEntry(entry),
    deploymentEnvironment: parsed.DEPLOYMENT_ENVIRONMENT,
    samplingRatio: parsed.OTEL_TRACES_SAMPLER_ARG,
  };
}
