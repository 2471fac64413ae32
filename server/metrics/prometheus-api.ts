import { z } from "zod";

/** One series of a range query: its labels and its [unix seconds, value] points. */
export type MetricSeries = { labels: Record<string, string>; points: Array<[number, number]> };

/**
 * What a range query gave: the series, or why there are none. Prometheus being down is a result
 * the page shows (with the URL it tried), never a 500.
 */
export type RangeResult =
  | { status: "ok"; url: string; series: MetricSeries[] }
  | { status: "unreachable"; url: string; message: string }
  | { status: "rejected"; url: string; message: string };

export type RangeRequest = { promql: string; start: number; end: number; stepSeconds: number };

const SuccessSchema = z.object({
  status: z.literal("success"),
  data: z.object({
    resultType: z.literal("matrix"),
    result: z.array(
      z.object({
        metric: z.record(z.string(), z.string()),
        values: z.array(z.tuple([z.number(), z.string()])),
      }),
    ),
  }),
});

const FailureSchema = z.object({
  status: z.literal("error"),
  errorType: z.string().optional(),
  error: z.string(),
});

/** The URL without credentials, for messages the page shows. */
export function displayUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  url.username = "";
  url.password = "";
  return url.toString().replace(/\/$/, "");
}

/** Points Prometheus computed as NaN or ±Inf (a quantile of no requests) are left out. */
function finitePoints(values: Array<[number, string]>): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  for (const [t, raw] of values) {
    const value = Number(raw);
    if (Number.isFinite(value)) points.push([t, value]);
  }
  return points;
}

/** GET /api/v1/query_range on `baseUrl`, with a timeout, read into series. */
export async function queryRange(
  baseUrl: string,
  request: RangeRequest,
  timeoutMs = 5000,
): Promise<RangeResult> {
  const url = displayUrl(baseUrl);
  const endpoint = new URL("api/v1/query_range", `${baseUrl.replace(/\/$/, "")}/`);
  endpoint.searchParams.set("query", request.promql);
  endpoint.searchParams.set("start", String(request.start));
  endpoint.searchParams.set("end", String(request.end));
  endpoint.searchParams.set("step", `${request.stepSeconds}s`);
  let response: Response;
  try {
    response = await fetch(endpoint, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const message = cause instanceof Error ? cause.message : String(cause);
    return { status: "unreachable", url, message: `no answer from Prometheus (${message})` };
  }
  const body: unknown = await response.json().catch(() => undefined);
  const success = SuccessSchema.safeParse(body);
  if (success.success) {
    return {
      status: "ok",
      url,
      series: success.data.data.result.map((item) => ({
        labels: item.metric,
        points: finitePoints(item.values),
      })),
    };
  }
  const failure = FailureSchema.safeParse(body);
  if (failure.success && response.status < 500) {
    return { status: "rejected", url, message: failure.data.error };
  }
  return {
    status: "unreachable",
    url,
    message: `Prometheus answered HTTP ${response.status} without a range result`,
  };
}

/** Whether Prometheus answers at `baseUrl`, and its version: the page's first question. */
export type PrometheusStatus =
  | { reachable: true; url: string; version: string }
  | { reachable: false; url: string; message: string };

const BuildInfoSchema = z.object({
  status: z.literal("success"),
  data: z.object({ version: z.string() }),
});

/** GET /api/v1/status/buildinfo, with a timeout. */
export async function prometheusStatus(
  baseUrl: string,
  timeoutMs = 3000,
): Promise<PrometheusStatus> {
  const url = displayUrl(baseUrl);
  const endpoint = new URL("api/v1/status/buildinfo", `${baseUrl.replace(/\/$/, "")}/`);
  try {
    const response = await fetch(endpoint, { signal: AbortSignal.timeout(timeoutMs) });
    const info = BuildInfoSchema.safeParse(await response.json().catch(() => undefined));
    if (info.success) return { reachable: true, url, version: info.data.data.version };
    return { reachable: false, url, message: `HTTP ${response.status}, not a Prometheus answer` };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const message = cause instanceof Error ? cause.message : String(cause);
    return { reachable: false, url, message: `no answer (${message})` };
  }
}
