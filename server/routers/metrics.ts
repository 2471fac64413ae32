import { consolePrometheusUrl } from "@/lib/config/console";
import {
  NamedRangeInputSchema,
  namedQueryCatalog,
  namedRange,
  RawRangeInputSchema,
  rawRange,
} from "@/server/metrics/metrics-service";
import { prometheusStatus } from "@/server/metrics/prometheus-api";
import { adminProcedure, router, viewerProcedure } from "@/server/trpc";

/** Charts from Prometheus: the console's named queries for viewers, raw PromQL for admins. */
export const metricsRouter = router({
  /** Where the charts come from, whether it answers, and the named queries on offer. */
  status: viewerProcedure.query(async () => ({
    prometheus: await prometheusStatus(consolePrometheusUrl()),
    queries: namedQueryCatalog(),
  })),
  range: viewerProcedure
    .input(NamedRangeInputSchema)
    .query(({ input }) => namedRange(consolePrometheusUrl(), input)),
  raw: adminProcedure
    .input(RawRangeInputSchema)
    .query(({ input }) => rawRange(consolePrometheusUrl(), input)),
});
