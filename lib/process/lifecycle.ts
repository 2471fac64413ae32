import { setTimeout as sleep } from "node:timers/promises";
import pino, { type Logger } from "pino";
import { flushTelemetry } from "@/lib/observability/flush-telemetry";
import { loggerOptions } from "@/lib/observability/logger";
import { processMetrics } from "@/lib/observability/process-metrics";
import { type AdminServer, startAdminServer } from "./admin-server";
import { type LifecycleSettings, loadLifecycleSettings } from "./lifecycle-settings";

/** What a started process hands back: how to stop taking work, then how to release resources. */
export type Running = {
  /** Finishes the work in flight and takes no more (HTTP requests, a handler, a relay batch). */
  drain?: () => Promise<void>;
  /** Closes pools and Redis connections, once drained. */
  close?: () => Promise<void>;
};

/** The process as its parts see it: readiness for their probes, the logger, the settings. */
export type Lifecycle = {
  /** True once started and until a stop begins: what /readyz answers. */
  readonly ready: boolean;
  readonly logger: Logger;
  readonly settings: LifecycleSettings;
};

export type ProcessSpec<C> = {
  name: string;
  /** Parses the process's own variables once; a throw is printed as one line and exits 1. */
  config: () => C;
  logLevel: (config: C) => string;
  /**
   * `server` serves traffic on its own port and its own /readyz reads `lifecycle.ready`; it waits
   * SHUTDOWN_DELAY_MS between readiness 503 and the drain. `worker` gets an admin server on
   * ADMIN_PORT (/healthz, /readyz, /metrics) and drains at once: nothing routes to it.
   */
  kind: "server" | "worker";
  start: (config: C, lifecycle: Lifecycle) => Promise<Running>;
};

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The one way every process starts and stops (decision 0015): config parsed once; on SIGTERM or
 * SIGINT readiness turns 503, the work in flight drains, pools close, and the process exits 0
 * within SHUTDOWN_TIMEOUT_MS (else 1). A second signal forces exit 1.
 */
export async function runProcess<C>(spec: ProcessSpec<C>): Promise<void> {
  let config: C;
  let settings: LifecycleSettings;
  try {
    config = spec.config();
    settings = loadLifecycleSettings();
  } catch (error) {
    console.error(`${spec.name}: ${message(error)}`);
    process.exit(1);
  }
  const logger = pino(loggerOptions(spec.name, spec.logLevel(config)));
  let started = false;
  let stopping = false;
  const lifecycle: Lifecycle = {
    get ready() {
      return started && !stopping;
    },
    logger,
    settings,
  };

  let admin: AdminServer | undefined;
  const starting = (async () => {
    if (spec.kind === "worker") {
      admin = await startAdminServer({
        host: settings.HOST,
        port: settings.ADMIN_PORT,
        readiness: lifecycle,
        registry: processMetrics(spec.name),
      });
      logger.info({ adminPort: admin.port }, "admin server listening");
    }
    return spec.start(config, lifecycle);
  })();

  const stop = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "stopping: readiness is 503");
    setTimeout(() => {
      logger.error({ timeoutMs: settings.SHUTDOWN_TIMEOUT_MS }, "stop took too long: exiting");
      process.exit(1);
    }, settings.SHUTDOWN_TIMEOUT_MS);
    try {
      const running = await starting;
      if (spec.kind === "server") await sleep(settings.SHUTDOWN_DELAY_MS);
      await running.drain?.();
      await running.close?.();
      await admin?.close();
    } catch (error) {
      logger.error({ err: error }, "stop failed");
      await flushTelemetry();
      process.exit(1);
    }
    logger.info("stopped");
    // the spans of the last second are still batched: export them before the process goes
    await flushTelemetry();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));

  try {
    await starting;
  } catch (error) {
    console.error(`${spec.name}: cannot start: ${message(error)}`);
    logger.fatal({ err: error }, "cannot start");
    await flushTelemetry();
    process.exit(1);
  }
  started = true;
  logger.info({ adminPort: admin?.port }, `${spec.name} started`);
}
