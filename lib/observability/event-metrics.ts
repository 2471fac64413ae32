import { Counter, type Registry } from "prom-client";

/** Counters of the event backbone, by event type (`type`), on a process's registry. */
export type EventMetrics = {
  /** Entries the outbox relay added to a stream. */
  published: Counter<"type">;
  /** Handler runs that committed, by consumer group. */
  consumed: Counter<"type" | "group">;
  /** Failed handler runs left pending for another delivery. */
  retried: Counter<"type" | "group">;
  /** Entries moved to a dead-letter stream, with the reason. */
  deadLettered: Counter<"type" | "group" | "reason">;
};

/** The counter `name` of `registry`, created on first use: tests build many consumers per process. */
function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

const cache = new WeakMap<Registry, EventMetrics>();

/** The event counters of `registry` (created once per registry). */
export function eventMetrics(registry: Registry): EventMetrics {
  let metrics = cache.get(registry);
  if (!metrics) {
    metrics = {
      published: counter(
        registry,
        "events_published_total",
        "Events the outbox relay added to their stream, by event type",
        ["type"],
      ),
      consumed: counter(
        registry,
        "events_consumed_total",
        "Events whose handler committed, by event type and consumer group",
        ["type", "group"],
      ),
      retried: counter(
        registry,
        "events_retried_total",
        "Handler failures left for a later delivery, by event type and consumer group",
        ["type", "group"],
      ),
      deadLettered: counter(
        registry,
        "events_dead_lettered_total",
        "Events moved to a dead-letter stream, by event type, consumer group and reason",
        ["type", "group", "reason"],
      ),
    };
    cache.set(registry, metrics);
  }
  return metrics;
}
