import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError, z } from "zod";
import type { ServiceClaims } from "@/lib/auth/service-claims";
import { type OperatorRole, roleAtLeast } from "@/lib/contracts/operators";
import type { ControlDb } from "@/server/db/client";
import { DomainError, toTRPCError } from "@/server/errors";
import type { EventBus } from "@/server/events/event-bus";
import type { Operator } from "@/server/operators/operator-service";
import { traceIdOfTraceparent, withRequestTrace } from "@/server/timeline/request-trace";
import type { WallAccess } from "@/server/wall/wall-tokens";

/** What every procedure sees. Built per request by the route handler, or directly by tests. */
export type Context = {
  db: ControlDb;
  bus: EventBus;
  operator: Operator | null;
  /** A worker calling with a verified service JWT (aud `control-plane`), e.g. slo-guard. */
  service: ServiceClaims | null;
  /** The request's W3C trace id (its `traceparent` header), kept on the audit rows it causes. */
  traceId: string | null;
  /** A kiosk presenting a wall token (set by the route handler): it may read the wall, nothing else. */
  wall?: WallAccess | null;
};

export function createContext(
  db: ControlDb,
  bus: EventBus,
  operator: Operator | null,
  service: ServiceClaims | null = null,
  traceparent: string | null = null,
): Context {
  return { db, bus, operator, service, traceId: traceIdOfTraceparent(traceparent) };
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  // Subscriptions over SSE: pings keep proxies from closing a quiet stream; a client that hears
  // nothing (not even a ping) for 8 s reconnects by itself.
  sse: {
    ping: { enabled: true, intervalMs: 2_000 },
    client: { reconnectAfterInactivityMs: 8_000 },
  },
  errorFormatter({ shape, error }) {
    const zodError = error.cause instanceof ZodError ? z.flattenError(error.cause) : null;
    // A zod failure's message is its first issue, said plainly, rather than a JSON dump.
    const message = error.cause instanceof ZodError ? describeZodError(error.cause) : shape.message;
    return { ...shape, message, data: { ...shape.data, zodError } };
  },
});

/** A zod failure said plainly, one clause per issue, rather than a JSON dump. */
function describeZodError(error: ZodError): string {
  return error.issues
    .map((issue) =>
      issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message,
    )
    .join("; ");
}

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Domain errors become tRPC errors with the same code and message. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  if (cause instanceof DomainError) throw toTRPCError(cause);
  if (cause instanceof ZodError) {
    throw new TRPCError({ code: "BAD_REQUEST", message: describeZodError(cause), cause });
  }
  return result;
});

/** The request's trace id reaches recordAudit without being passed through every call. */
const requestTrace = t.middleware(({ ctx, next }) => withRequestTrace(ctx.traceId, () => next()));

export const publicProcedure = t.procedure.use(mapErrors).use(requestTrace);

function requireRole(needed: OperatorRole) {
  return t.middleware(({ ctx, next }) => {
    if (!ctx.operator) {
      throw new TRPCError({ code: "UNAUTHORIZED", message: "sign in to continue" });
    }
    if (!roleAtLeast(ctx.operator.role, needed)) {
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `this needs the ${needed} role; you are ${ctx.operator.role}`,
      });
    }
    return next({ ctx: { ...ctx, operator: ctx.operator } });
  });
}

export const viewerProcedure = publicProcedure.use(requireRole("viewer"));
export const operatorProcedure = publicProcedure.use(requireRole("operator"));
export const adminProcedure = publicProcedure.use(requireRole("admin"));

/** Procedures for workers: a verified service token that lists `permission`. */
export function internalProcedure(permission: string) {
  return publicProcedure.use(({ ctx, next }) => {
    if (!ctx.service) {
      throw new TRPCError({
        code: "UNAUTHORIZED",
        message: "a service token for control-plane is required",
      });
    }
    if (!ctx.service.permissions.includes(permission)) {
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `${ctx.service.sub} lacks the permission ${permission}`,
      });
    }
    return next({ ctx: { ...ctx, service: ctx.service } });
  });
}
