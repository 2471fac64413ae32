import { type ErrorBody, ErrorBodySchema } from "@/lib/contracts/errors";
import { describeIssues } from "@/lib/contracts/format-issues";
import {
  buildPath,
  type RouteContract,
  type RouteRequest,
  type RouteResponse,
} from "@/lib/contracts/route";
import { bearerHeader } from "@/lib/http/bearer-token";

/** What a route answered, judged against its contract. */
export type CallRouteResult<R extends RouteContract> =
  | { kind: "success"; status: number; body: RouteResponse<R> }
  | { kind: "error"; status: number; body: ErrorBody }
  | { kind: "contract_violation"; status: number; message: string; body: unknown };

export type CallRouteOptions = {
  /** A service token, sent as `Authorization: Bearer …`. */
  token?: string;
  signal?: AbortSignal;
};

function queryString(query: unknown): string {
  if (!query || typeof query !== "object") return "";
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
  }
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return text === "" ? undefined : JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Calls one contract route on any base URL (a new service, the legacy runtime, the gateway) and
 * checks the answer: the success body against the route's response schema, any other status
 * against the stable error body. For contract tests and parity checks.
 */
export async function callRoute<R extends RouteContract>(
  baseUrl: string | URL,
  route: R,
  request: Partial<RouteRequest<R>>,
  options: CallRouteOptions = {},
): Promise<CallRouteResult<R>> {
  const path = buildPath(route, (request.params ?? {}) as Record<string, string>);
  const url = new URL(`${path}${queryString(request.query)}`, baseUrl);
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.token) headers.authorization = bearerHeader(options.token);
  const hasBody = request.body !== undefined;
  if (hasBody) headers["content-type"] = "application/json";
  const response = await fetch(url, {
    method: route.method,
    headers,
    body: hasBody ? JSON.stringify(request.body) : undefined,
    signal: options.signal,
  });
  const body = await readJson(response);
  const status = response.status;
  if (status === route.status) {
    const parsed = route.response.safeParse(body);
    if (parsed.success) return { kind: "success", status, body: parsed.data as RouteResponse<R> };
    const message = `the ${status} body breaks the contract: ${describeIssues(parsed.error.issues)}`;
    return { kind: "contract_violation", status, message, body };
  }
  const error = ErrorBodySchema.safeParse(body);
  if (error.success && status >= 400) return { kind: "error", status, body: error.data };
  const message =
    status < 400
      ? `expected status ${route.status}, got ${status}`
      : `the ${status} body is not the stable error shape: ${describeIssues(error.error?.issues ?? [])}`;
  return { kind: "contract_violation", status, message, body };
}
