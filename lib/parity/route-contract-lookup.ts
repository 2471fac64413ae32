import type { RouteContract } from "@/lib/contracts/route";
import { allRoutes } from "@/lib/contracts/routes";

/** The contract a request falls under, with its table name and the path's parameter values. */
export interface RouteContractMatch {
  /** Table name, e.g. `identity.registerUser`. */
  name: string;
  route: RouteContract;
  params: Record<string, string>;
  volatileFields: readonly string[];
}

interface CompiledRoute {
  name: string;
  route: RouteContract;
  segments: string[];
  /** Number of literal segments: a literal beats a `:param` when both match. */
  literals: number;
}

let compiled: Map<string, CompiledRoute[]> | null = null;

function splitPath(path: string): string[] {
  return path.split("/").filter((segment) => segment.length > 0);
}

function compiledRoutes(): Map<string, CompiledRoute[]> {
  if (compiled) return compiled;
  const byMethod = new Map<string, CompiledRoute[]>();
  for (const { name, route } of allRoutes()) {
    const segments = splitPath(route.path);
    const entry = {
      name,
      route,
      segments,
      literals: segments.filter((segment) => !segment.startsWith(":")).length,
    };
    byMethod.set(route.method, [...(byMethod.get(route.method) ?? []), entry]);
  }
  for (const routes of byMethod.values()) routes.sort((a, b) => b.literals - a.literals);
  compiled = byMethod;
  return byMethod;
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * The route contract (lib/contracts/routes.ts) that `method` and `path` fall under, or null.
 * The query string is ignored; a literal segment wins over a `:param` (`/users/me` before
 * `/users/:id`).
 */
export function findRouteContract(method: string, path: string): RouteContractMatch | null {
  const routes = compiledRoutes().get(method.toUpperCase());
  if (!routes) return null;
  const queryAt = path.search(/[?#]/);
  const segments = splitPath(queryAt === -1 ? path : path.slice(0, queryAt));
  for (const candidate of routes) {
    if (candidate.segments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let matched = true;
    for (let index = 0; index < segments.length; index += 1) {
      const pattern = candidate.segments[index] as string;
      const actual = segments[index] as string;
      if (pattern.startsWith(":")) {
        const value = decodeSegment(actual);
        if (value === null) {
          matched = false;
          break;
        }
        params[pattern.slice(1)] = value;
      } else if (pattern !== actual) {
        matched = false;
        break;
      }
    }
    if (matched) {
      return {
        name: candidate.name,
        route: candidate.route,
        params,
        volatileFields: candidate.route.volatileFields,
      };
    }
  }
  return null;
}
