import { Counter, Histogram, type Registry } from "prom-client";

/** The learning metrics of the design this project follows, on the app's registry. */
export type LearningMetrics = {
  /** Interactions recorded (committed with their event), by interaction type. */
  created: Counter<"type">;
  /** Time to handle one create-interaction request, by outcome (created, rejected, failed). */
  processing: Histogram<"outcome">;
};

/** Creates them on `registry`, or finds them there (tests build several apps per process). */
export function learningMetrics(registry: Registry): LearningMetrics {
  const created =
    (registry.getSingleMetric("interactions_created_total") as Counter<"type"> | undefined) ??
    new Counter({
      name: "interactions_created_total",
      help: "Learning interactions recorded, by interaction type",
      labelNames: ["type"] as const,
      registers: [registry],
    });
  const processing =
    (registry.getSingleMetric("interaction_processing_duration_seconds") as
      | Histogram<"outcome">
      | undefined) ??
    new Histogram({
      name: "interaction_processing_duration_seconds",
      help: "Time to record an interaction and its event, by outcome (created, rejected, failed)",
      labelNames: ["outcome"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
  return { created, processing };
}

/** Runs one create-interaction call and records it: rejected = a 4xx answer, failed = the rest. */
export async function measuredCreate<T extends { type: string }>(
  metrics: LearningMetrics,
  create: () => Promise<T>,
): Promise<T> {
  const stop = metrics.processing.startTimer();
  try {
    const interaction = await create();
    stop({ outcome: "created" });
    metrics.created.inc({ type: interaction.type });
    return interaction;
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    const rejected = typeof status === "number" && status >= 400 && status < 500;
    stop({ outcome: rejected ? "rejected" : "failed" });
    throw error;
  }
}
