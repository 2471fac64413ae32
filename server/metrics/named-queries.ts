import { z } from "zod";
import type { DomainName } from "@/lib/contracts/domains";

/**
 * The only PromQL the console's viewers can run: each name is a template over the recording rules
 * of k8s/base/observability/prometheus/rules.yml; a domain is interpolated only after zod has
 * checked it is one of the six names, so no input reaches PromQL as text.
 */
export const QUERY_NAMES = [
  "requestRate",
  "errorRatio",
  "latency",
  "eventThroughput",
  "consumerLag",
  "outboxBacklog",
  "syncLag",
] as const;

export const QueryNameSchema = z.enum(QUERY_NAMES, {
  error: (issue) =>
    `unknown query ${JSON.stringify(issue.input)}; expected one of ${QUERY_NAMES.join(", ")}`,
});
export type QueryName = z.infer<typeof QueryNameSchema>;

/** How a chart shows a query's values. */
export type QueryUnit = "perSecond" | "ratio" | "seconds" | "count";

type NamedQuery = {
  title: string;
  unit: QueryUnit;
  /** True: the query needs a domain; false: the domain, if given, narrows it where it can. */
  needsDomain: boolean;
  promql(domain: DomainName | undefined): string;
};

/** `a or b or c`, each series tagged with `label`=its key, so one chart can tell them apart. */
function tagged(label: string, parts: Record<string, string>): string {
  return Object.entries(parts)
    .map(([value, expr]) => `label_replace(${expr}, "${label}", "${value}", "", "")`)
    .join(" or ");
}

const QUANTILES = ["p50", "p95", "p99"] as const;

/** Events of a domain are typed `<domain>.<Name>` (lib/contracts). */
const typeMatcher = (domain: DomainName | undefined) =>
  domain ? `{type=~"${domain}\\\\..+"}` : "";

export const NAMED_QUERIES: Record<QueryName, NamedQuery> = {
  requestRate: {
    title: "Requests per second, by side",
    unit: "perSecond",
    needsDomain: true,
    promql: (domain) =>
      `sum by (side) (keiko:gateway_upstream_requests:rate1m{domain="${domain}"})`,
  },
  errorRatio: {
    title: "Failed share of calls (5xx, timeouts, refused), by side",
    unit: "ratio",
    needsDomain: true,
    promql: (domain) =>
      `max by (side) (keiko:gateway_upstream_error_ratio:rate1m{domain="${domain}"})`,
  },
  latency: {
    title: "Latency p50 / p95 / p99, by side",
    unit: "seconds",
    needsDomain: true,
    promql: (domain) =>
      tagged(
        "quantile",
        Object.fromEntries(
          QUANTILES.map((q) => [
            q,
            `max by (side) (keiko:gateway_upstream_latency_seconds:${q}_1m{domain="${domain}"})`,
          ]),
        ),
      ),
  },
  eventThroughput: {
    title: "Events per second: published, consumed, retried, dead-lettered",
    unit: "perSecond",
    needsDomain: false,
    promql: (domain) =>
      tagged("kind", {
        published: `sum(keiko:events_published:rate1m${typeMatcher(domain)})`,
        consumed: `sum(keiko:events_consumed:rate1m${typeMatcher(domain)})`,
        retried: `sum(keiko:events_retried:rate1m${typeMatcher(domain)})`,
        dead_lettered: `sum(keiko:events_dead_lettered:rate1m${typeMatcher(domain)})`,
      }),
  },
  consumerLag: {
    title: "Consumer lag (entries behind the stream)",
    unit: "count",
    needsDomain: false,
    // consumer_lag comes from the consumers' admin servers (issue 9's instrumentation)
    promql: () => "keiko:consumer_lag:max",
  },
  outboxBacklog: {
    title: "Outbox backlog (rows not yet relayed)",
    unit: "count",
    needsDomain: false,
    promql: () => "keiko:outbox_backlog:sum",
  },
  syncLag: {
    title: "Data sync lag, by domain and direction",
    unit: "seconds",
    needsDomain: false,
    promql: (domain) =>
      domain
        ? `keiko:data_sync_lag_seconds:max{domain="${domain}"}`
        : "keiko:data_sync_lag_seconds:max",
  },
};
