import { Gauge, type Registry } from "prom-client";

type SyncLabels = "domain" | "direction";

/** The data sync's gauges on `registry`, created once: lag and pending changes per direction. */
export function syncMetrics(registry: Registry): {
  lag: Gauge<SyncLabels>;
  pending: Gauge<SyncLabels>;
} {
  const gauge = (name: string, help: string) =>
    (registry.getSingleMetric(name) as Gauge<SyncLabels> | undefined) ??
    new Gauge({ name, help, labelNames: ["domain", "direction"] as const, registers: [registry] });
  return {
    lag: gauge(
      "data_sync_lag_seconds",
      "Age of the oldest change the data sync applied in its last pass (0 when nothing waits), by domain and direction",
    ),
    pending: gauge(
      "data_sync_pending_changes",
      "Captured changes not yet applied to the other side, by domain and direction",
    ),
  };
}
