import type { Registry } from "prom-client";
import { createMetricsRegistry } from "./metrics";

let registry: Registry | undefined;

/**
 * The one metrics registry of this process, served on its `/metrics` (an HTTP service's app or a
 * worker's admin server). The first caller names the service; tests that build several apps in
 * one process use createMetricsRegistry instead.
 */
export function processMetrics(service: string): Registry {
  registry ??= createMetricsRegistry(service);
  return registry;
}
