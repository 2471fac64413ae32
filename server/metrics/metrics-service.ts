import { z } from "zod";
import { DomainNameSchema } from "@/lib/contracts/domains";
import { NAMED_QUERIES, QUERY_NAMES, QueryNameSchema } from "./named-queries";
import { queryRange, type RangeResult } from "./prometheus-api";
import { resolveRange, TimeRangeSchema } from "./time-range";

export const NamedRangeInputSchema = TimeRangeSchema.extend({
  query: QueryNameSchema,
  domain: DomainNameSchema.optional(),
}).refine((input) => input.domain !== undefined || !NAMED_QUERIES[input.query].needsDomain, {
  message: "this query needs a domain",
  path: ["domain"],
});
export type NamedRangeInput = z.infer<typeof NamedRangeInputSchema>;

export const RawRangeInputSchema = TimeRangeSchema.extend({
  promql: z
    .string()
    .trim()
    .min(1, "write a PromQL expression")
    .max(4000, "at most 4000 characters"),
});
export type RawRangeInput = z.infer<typeof RawRangeInputSchema>;

/** A range result plus the step the points are spaced by (the chart's x resolution). */
export type ChartData = RangeResult & { stepSeconds: number; start: number; end: number };

/** The catalogue the page lists: names, titles and units, never the PromQL behind them. */
export function namedQueryCatalog() {
  return QUERY_NAMES.map((name) => ({
    name,
    title: NAMED_QUERIES[name].title,
    unit: NAMED_QUERIES[name].unit,
    needsDomain: NAMED_QUERIES[name].needsDomain,
  }));
}

/** One of the console's own queries over a window, from the Prometheus at `baseUrl`. */
export async function namedRange(baseUrl: string, input: NamedRangeInput): Promise<ChartData> {
  const range = resolveRange(input);
  const promql = NAMED_QUERIES[input.query].promql(input.domain);
  return { ...(await queryRange(baseUrl, { promql, ...range })), ...range };
}

/** Any PromQL over a window: for admins only (the router checks the role). */
export async function rawRange(baseUrl: string, input: RawRangeInput): Promise<ChartData> {
  const range = resolveRange(input);
  return { ...(await queryRange(baseUrl, { promql: input.promql, ...range })), ...range };
}
