import { randomUUID } from "node:crypto";
import { initTRPC, TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import superjson from "superjson";
import type { z } from "zod";
import { sharedSecretKey } from "@/lib/auth/service-keys";
import { verifyServiceToken } from "@/lib/auth/verify-service-token";
import type { DomainName } from "@/lib/contracts/domains";
import {
  type GuardDomainSchema,
  GuardPromoteInputSchema,
  GuardRollbackInputSchema,
  type GuardState,
  type RolloutPlan,
  type SloPolicy,
} from "@/lib/contracts/guard";
import { readBearerToken } from "@/lib/http/bearer-token";
import { serveFetchHandler } from "./fetch-server";

/**
 * A stand-in for the console's `internal.*` tRPC procedures (lib/contracts/guard.ts), speaking
 * the real wire format (fetch adapter, superjson, service JWT) so the guard's real client talks
 * to it. It keeps domains in memory and records every call with the time it arrived.
 */

export type GuardDomain = z.infer<typeof GuardDomainSchema>;
export type RollbackCall = z.infer<typeof GuardRollbackInputSchema> & { receivedAt: number };
export type PromoteCall = z.infer<typeof GuardPromoteInputSchema> & { receivedAt: number };

export const DEFAULT_TEST_POLICY: Omit<SloPolicy, "domain"> = {
  maxErrorRate: 0.05,
  maxP99Ms: 1_000,
  minRequests: 20,
  windowSeconds: 10,
  enabled: true,
  version: 1,
};

/** A domain as GuardState lists it: legacy with the default test policy unless told. */
export function guardDomain(
  domain: DomainName,
  overrides: Partial<Omit<GuardDomain, "policy">> & { policy?: Partial<SloPolicy> } = {},
): GuardDomain {
  const { policy, ...rest } = overrides;
  return {
    domain,
    state: "legacy",
    canaryWeight: 0,
    version: 1,
    // in its state long before any test's traffic unless told
    stateSince: new Date(Date.now() - 3_600_000),
    plan: null,
    ...rest,
    policy: { ...DEFAULT_TEST_POLICY, ...policy, domain },
  };
}

/** A running rollout plan at its first step, started `startedAgoMs` ago. */
export function rolloutPlan(domain: DomainName, overrides: Partial<RolloutPlan> = {}): RolloutPlan {
  return {
    id: randomUUID(),
    domain,
    steps: [5, 25, 100],
    holdSeconds: [10, 10, 10],
    currentStep: 0,
    status: "running",
    stepStartedAt: new Date(),
    createdBy: "ada",
    ...overrides,
  };
}

type Context = { authorization: string | undefined };

export type FakeControlPlaneOptions = {
  serviceTokenSecret: string;
  domains: GuardDomain[];
  /** Added to every mutation, to stand for the real one's database transaction. */
  mutationDelayMs?: number;
};

export async function startFakeControlPlane(options: FakeControlPlaneOptions) {
  const key = sharedSecretKey(options.serviceTokenSecret);
  const domains = new Map(options.domains.map((d) => [d.domain, structuredClone(d)]));
  const rollbacks: RollbackCall[] = [];
  const promotions: PromoteCall[] = [];
  const listeners = new Set<() => void>();
  let guardStateReads = 0;
  let failingRollbacks = 0;
  let staleRollbacks = 0;

  const t = initTRPC.context<Context>().create({ transformer: superjson });
  const withPermission = (permission: string) =>
    t.procedure.use(async ({ ctx, next }) => {
      let token: string | undefined;
      try {
        token = readBearerToken(ctx.authorization);
      } catch {
        token = undefined;
      }
      const verified = await verifyServiceToken(token, {
        key,
        audience: "control-plane",
        permission,
      });
      if (!verified.ok) {
        const code = verified.error.reason === "missing_permission" ? "FORBIDDEN" : "UNAUTHORIZED";
        throw new TRPCError({ code, message: verified.error.message });
      }
      if (verified.claims.sub !== "slo-guard" || verified.claims.service_type !== "worker") {
        throw new TRPCError({ code: "FORBIDDEN", message: "only the slo-guard worker" });
      }
      return next();
    });
  const pause = () => new Promise((resolve) => setTimeout(resolve, options.mutationDelayMs ?? 0));
  const notify = () => {
    for (const listener of listeners) listener();
  };
  function domainOf(name: DomainName): GuardDomain {
    const domain = domains.get(name);
    if (!domain) throw new TRPCError({ code: "NOT_FOUND", message: `no domain ${name}` });
    return domain;
  }

  const router = t.router({
    internal: t.router({
      guardState: withPermission("migration:rollback").query((): GuardState => {
        guardStateReads += 1;
        return { domains: [...domains.values()].map((d) => structuredClone(d)), at: new Date() };
      }),
      rollback: withPermission("migration:rollback")
        .input(GuardRollbackInputSchema)
        .mutation(async ({ input }) => {
          const receivedAt = Date.now();
          await pause();
          if (failingRollbacks > 0) {
            failingRollbacks -= 1;
            throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "injected failure" });
          }
          const domain = domainOf(input.domain);
          if (domain.version !== input.version) {
            staleRollbacks += 1;
            throw new TRPCError({
              code: "CONFLICT",
              message: `${input.domain} is at version ${domain.version}, the guard judged ${input.version}`,
            });
          }
          if (domain.state === "legacy") {
            throw new TRPCError({
              code: "CONFLICT",
              message: `${input.domain} is already on legacy`,
            });
          }
          rollbacks.push({ ...input, receivedAt });
          domain.state = "legacy";
          domain.canaryWeight = 0;
          domain.version += 1;
          domain.stateSince = new Date();
          if (
            domain.plan &&
            (domain.plan.status === "running" || domain.plan.status === "paused")
          ) {
            domain.plan.status = "rolled_back";
          }
          notify();
          return { domain: input.domain, state: domain.state, version: domain.version };
        }),
      promote: withPermission("rollout:promote")
        .input(GuardPromoteInputSchema)
        .mutation(async ({ input }) => {
          const receivedAt = Date.now();
          await pause();
          const domain = domainOf(input.domain);
          const plan = domain.plan;
          if (!plan || plan.id !== input.planId || plan.status !== "running") {
            throw new TRPCError({ code: "CONFLICT", message: "no such running plan" });
          }
          if (plan.currentStep !== input.fromStep) {
            throw new TRPCError({ code: "CONFLICT", message: "the plan moved on" });
          }
          promotions.push({ ...input, receivedAt });
          const next = plan.steps[plan.currentStep + 1];
          if (next === undefined) {
            plan.status = "completed";
            domain.state = "migrated";
            domain.stateSince = new Date();
            domain.canaryWeight = 100;
          } else {
            plan.currentStep += 1;
            plan.stepStartedAt = new Date();
            domain.canaryWeight = next;
          }
          domain.version += 1;
          notify();
          return { domain: input.domain, state: domain.state, version: domain.version };
        }),
    }),
  });

  const server = await serveFetchHandler((request) =>
    fetchRequestHandler({
      endpoint: "/api/trpc",
      req: request,
      router,
      createContext: () => ({ authorization: request.headers.get("authorization") ?? undefined }),
    }),
  );

  return {
    url: server.url,
    rollbacks,
    promotions,
    get guardStateReads() {
      return guardStateReads;
    },
    /** Rollback calls refused because the version they carried was no longer current. */
    get staleRollbacks() {
      return staleRollbacks;
    },
    domain(name: DomainName): GuardDomain {
      return structuredClone(domainOf(name));
    },
    /** The next `count` rollback calls fail with a 500. */
    failNextRollbacks(count: number): void {
      failingRollbacks = count;
    },
    /** Replaces a domain as an operator would (new version). */
    setDomain(domain: GuardDomain): void {
      domains.set(domain.domain, structuredClone(domain));
      notify();
    },
    /** Resolves at the next rollback or promotion (or at once if `check` already holds). */
    waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
      if (check()) return Promise.resolve(true);
      return new Promise((resolve) => {
        const listener = () => {
          if (!check()) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(true);
        };
        const timer = setTimeout(() => {
          listeners.delete(listener);
          resolve(false);
        }, timeoutMs);
        listeners.add(listener);
      });
    },
    close: server.close,
  };
}

export type FakeControlPlane = Awaited<ReturnType<typeof startFakeControlPlane>>;
