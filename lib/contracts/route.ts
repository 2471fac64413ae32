import type { z } from "zod";
import type { DomainName } from "@/lib/contracts/domains";

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** What a calling service may do in a domain; carried in the service JWT's `permissions`. */
export type Permission = `${DomainName}:${"read" | "write"}`;

/**
 * One HTTP route of a domain API, as data: a server registers it with validation, a contract
 * test suite exercises it against any base URL, the gateway compares answers with it.
 */
export interface RouteContract {
  readonly domain: DomainName;
  readonly method: HttpMethod;
  /** Versioned path under `/api/<domain>`, parameters as `:name` (Fastify's syntax). */
  readonly path: string;
  readonly summary: string;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  /** Status of a successful answer. */
  readonly status: 200 | 201;
  readonly response: z.ZodType;
  readonly permission: Permission;
  /**
   * Response fields that legitimately differ between two correct implementations (generated
   * ids, timestamps, cursors), as dot paths; `*` matches every array element or object key.
   */
  readonly volatileFields: readonly string[];
}

/** Declares a route; returns it unchanged with its exact type, so handlers get typed input. */
export function defineRoute<const R extends RouteContract>(route: R): R {
  if (!route.path.startsWith(`/api/${route.domain}/v`)) {
    throw new Error(
      `route ${route.method} ${route.path} must live under /api/${route.domain}/v<n>`,
    );
  }
  return route;
}

type OutputOf<S> = S extends z.ZodType ? z.output<S> : undefined;

/** Validated input a handler receives for route `R`. */
export type RouteInput<R extends RouteContract> = {
  params: R extends { params: infer S } ? OutputOf<S> : undefined;
  query: R extends { query: infer S } ? OutputOf<S> : undefined;
  body: R extends { body: infer S } ? OutputOf<S> : undefined;
};

/** The body a handler of route `R` answers with on success. */
export type RouteResponse<R extends RouteContract> = z.output<R["response"]>;

/** The request a client sends to route `R` (before parsing: query values may be text). */
export type RouteRequest<R extends RouteContract> = {
  params: R extends { params: infer S }
    ? S extends z.ZodType
      ? z.input<S>
      : undefined
    : undefined;
  query: R extends { query: infer S } ? (S extends z.ZodType ? z.input<S> : undefined) : undefined;
  body: R extends { body: infer S } ? (S extends z.ZodType ? z.input<S> : undefined) : undefined;
};

/** Names of the `:params` in a path, in order. */
export function pathParamNames(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1] as string);
}

/** Fills a route's `:params` (URL-encoded), e.g. for a contract test against a base URL. */
export function buildPath(route: Pick<RouteContract, "path">, params: Record<string, string> = {}) {
  return route.path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${route.path}`);
    return encodeURIComponent(value);
  });
}
