import { Gauge, type Registry } from "prom-client";

/** One reading of a collected gauge: its labels and value. */
export type Reading<L extends string> = { labels: Partial<Record<L, string>>; value: number };
/** Reads current values at scrape time (a query to Redis or PostgreSQL). */
export type ReadingSource<L extends string> = () => Promise<readonly Reading<L>[]>;

const sourcesByRegistry = new WeakMap<Registry, Map<string, Set<ReadingSource<string>>>>();

/**
 * Adds `source` to the gauge `name` of `registry`, which is read at each scrape from all its
 * sources (several relays or consumers may share one process). Returns a function that removes
 * the source. A source that fails is skipped for that scrape: its series disappears.
 */
export function addGaugeSource<L extends string>(
  registry: Registry,
  gauge: { name: string; help: string; labelNames: readonly L[] },
  source: ReadingSource<L>,
): () => void {
  let byName = sourcesByRegistry.get(registry);
  if (!byName) {
    byName = new Map();
    sourcesByRegistry.set(registry, byName);
  }
  let sources = byName.get(gauge.name);
  if (!sources) {
    const own = new Set<ReadingSource<string>>();
    sources = own;
    byName.set(gauge.name, own);
    if (!registry.getSingleMetric(gauge.name)) {
      new Gauge<L>({
        name: gauge.name,
        help: gauge.help,
        labelNames: gauge.labelNames,
        registers: [registry],
        async collect() {
          const readings = await Promise.all(
            [...own].map((read) => read().catch(() => [] as Reading<string>[])),
          );
          this.reset();
          for (const reading of readings.flat()) this.set(reading.labels, reading.value);
        },
      });
    }
  }
  const added = source as ReadingSource<string>;
  sources.add(added);
  return () => void sources.delete(added);
}
