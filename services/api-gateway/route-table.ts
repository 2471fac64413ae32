import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import { boolean, integer, pgTable, text } from "drizzle-orm/pg-core";
import { z } from "zod";
import { DomainNameSchema, MigrationStateSchema } from "@/lib/contracts/domains";

/**
 * The gateway's read-only view of keiko_control's `domains` table (the control plane owns the
 * table and its migrations; only the columns routing needs are declared here).
 */
export const domainRoutes = pgTable("domains", {
  name: text("name").notNull(),
  pathPrefix: text("path_prefix").notNull(),
  legacyUrl: text("legacy_url").notNull(),
  serviceUrl: text("service_url").notNull(),
  state: text("state").notNull(),
  canaryWeight: integer("canary_weight").notNull(),
  shadowPercent: integer("shadow_percent").notNull(),
  version: integer("version").notNull(),
  writeFence: boolean("write_fence").notNull(),
});

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

/** Reads every domain's route from the control database in one query. */
export async function loadRouteTable(db: NodePgDatabase): Promise<LoadedRoutes> {
  const rows = await db.select().from(domainRoutes);
  const routes: DomainRoute[] = [];
  const rejected: LoadedRoutes["rejected"] = [];
  for (const row of rows) {
    const parsed = DomainRouteSchema.safeParse(row);
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
