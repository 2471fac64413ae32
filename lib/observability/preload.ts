/**
 * Loaded before every process's entry: `node --import tsx --import lib/observability/preload.ts
 * entry.ts`. With OTEL_EXPORTER_OTLP_ENDPOINT set it registers the ESM loader hook the
 * instrumentations need under tsx, then starts the SDK (./tracing-sdk.ts); without it, it does
 * nothing else: no hook, no SDK, no instrumentation (decision 0016).
 */
import { readFileSync } from "node:fs";
import { register } from "node:module";
import { loadTelemetryConfig, type TelemetryConfig } from "@/lib/config/telemetry";
import { TELEMETRY_SHUTDOWN } from "./flush-telemetry";

/** Modules the instrumentations patch (tracing-sdk.ts); undici and Fastify use diagnostics channels. */
const INSTRUMENTED_MODULES = [
  "http",
  "https",
  "node:http",
  "node:https",
  "pg",
  "pg-pool",
  "ioredis",
  "pino",
];

let config: TelemetryConfig;
try {
  // biome-ignore lint/style/noProcessEnv: the preload hands its environment to the parser, once
  config = loadTelemetryConfig(process.env, process.argv[1]);
} catch (error) {
  console.error(`telemetry: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

if (config.tracesUrl) {
  // only the instrumented modules go through the loader hook: wrapping every module's exports
  // (the application's own included) would slow every call across modules
  register("@opentelemetry/instrumentation/hook.mjs", import.meta.url, {
    data: { include: INSTRUMENTED_MODULES },
  });
  const { startTracing } = await import("./tracing-sdk");
  const packageJson = new URL("../../package.json", import.meta.url);
  const { version } = JSON.parse(readFileSync(packageJson, "utf8")) as { version: string };
  const sdk = startTracing({
    tracesUrl: config.tracesUrl,
    serviceName: config.serviceName,
    serviceVersion: version,
    deploymentEnvironment: config.deploymentEnvironment,
    samplingRatio: config.samplingRatio,
  });
  // a process that ends by itself sends the spans still batched; one that calls process.exit
  // does so through flushTelemetry (./flush-telemetry.ts), or loses at most the last second
  let stopped: Promise<void> | undefined;
  const shutdown = () => {
    stopped ??= sdk.shutdown().catch(() => undefined);
    return stopped;
  };
  (globalThis as Record<symbol, unknown>)[TELEMETRY_SHUTDOWN] = shutdown;
  process.once("beforeExit", () => void shutdown());
}
