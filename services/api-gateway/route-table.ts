import { sql } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import { z } from "zod";
import { DomainNameSchema, MigrationStateSchema } from "@/lib/contracts/domains";

const UpstreamUrlSchema = z
  .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
  .transform((value) => new URL(value));

/** One domain's route as the gateway uses it; a row that does not parse is not served. */
export const DomainRouteSchema = z.object({
  name: DomainNameSchema,
  pathPrefix: z
    .string()
    .regex(/^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/, "must look like /api/<domain>"),
  legacyUrl: UpstreamUrlSchema,
  serviceUrl: UpstreamUrlSchema,
  state: MigrationStateSchema,
  canaryWeight: z.number().int().min(0).max(100),
  /** In shadow, the share (0–100) of requests mirrored to the new service. */
  shadowPercent: z.number().int().min(0).max(100).default(100),
  version: z.number().int(),
  /** A rollback is draining the service's writes to legacy: writes wait (503, Retry-After). */
  writeFence: z.boolean().default(false),
});
export type DomainRoute = z.infer<typeof DomainRouteSchema>;

/** An immutable snapshot of every domain's route; requests read one snapshot from start to end. */
export type RouteTable = {
  readonly routes: readonly DomainRoute[];
  /** Longest prefix first, so `/api/a/b` wins over `/api/a`. */
  readonly byPrefix: readonly DomainRoute[];
  readonly loadedAt: Date;
};

export const EMPTY_ROUTE_TABLE: RouteTable = Object.freeze({
  routes: [],
  byPrefix: [],
  loadedAt: new Date(0),
});

/** Builds a snapshot from parsed routes. */
export function routeTableOf(routes: readonly DomainRoute[], loadedAt = new Date()): RouteTable {
  const frozen = routes.map((route) => Object.freeze({ ...route }));
  const byPrefix = [...frozen].sort((a, b) => b.pathPrefix.length - a.pathPrefix.length);
  return Object.freeze({
    routes: Object.freeze(frozen),
    byPrefix: Object.freeze(byPrefix),
    loadedAt,
  });
}

/** The domain whose prefix is `path` itself or a whole-segment prefix of it. */
export function matchRoute(table: RouteTable, path: string): DomainRoute | undefined {
  return table.byPrefix.find(
    (route) =>
      path === route.pathPrefix ||
      (path.startsWith(route.pathPrefix) && path[route.pathPrefix.length] === "/"),
  );
}

export type LoadedRoutes = {
  table: RouteTable;
  /** Rows that were skipped, with the reason (logged by the caller). */
  rejected: Array<{ name: string; problem: string }>;
};

/** A row of keiko_control's `domains` as the database names its columns (the control plane owns it). */
type DomainRow = Record<string, unknown> & { name: string };

/**
 * The route of a row. A column added by a later migration (`shadow_percent`, `write_fence`) may
 * not exist yet while the gateway rolls out ahead of the migration: it reads as absent, and the
 * schema's default (the behaviour before the column) applies.
 */
function routeFields(row: DomainRow): Record<string, unknown> {
  return {
    name: row.name,
    pathPrefix: row.path_prefix,
    legacyUrl: row.legacy_url,
    serviceUrl: row.service_url,
    state: row.state,
    canaryWeight: row.canary_weight,
    shadowPercent: row.shadow_percent ?? undefined,
    version: row.version,
    writeFence: row.write_fence ?? undefined,
  };
}

/**
 * Reads every domain's route from the control database in one query. `select *`, so that a
 * gateway newer than the database's schema still routes (expand, then contract).
 */
export async function loadRouteTable(db: NodePgDatabase): Promise<LoadedRoutes> {
  const { rows } = await db.execute<DomainRow>(sql`select * from domains`);
  const routes: DomainRoute[] = [];
  const rejected: LoadedRoutes["rejected"] = [];
  for (const row of rows) {
    const parsed = DomainRouteSchema.safeParse(routeFields(row));
    if (parsed.success) routes.push(parsed.data);
    else {
      const problem = parsed.error.issues
        .map((issue) => `${issue.path.join(".")}: ${issue.message}`)
        .join("; ");
      rejected.push({ name: row.name, problem });
    }
  }
  return { table: routeTableOf(routes), rejected };
}
