import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ServiceClaims } from "@/lib/auth/service-claims";
import { DOMAIN_NAMES } from "@/lib/contracts/domains";
import { createCaller } from "@/server/routers/index";
import { type ControlFixture, createControlFixture } from "@/server/testing/control-fixture";
import { createContext } from "@/server/trpc";

let fx: ControlFixture;
beforeAll(async () => {
  fx = await createControlFixture();
  for (const domain of DOMAIN_NAMES) await fx.setParity(domain, 500, 0);
});
afterAll(() => fx?.close());

const guard = (permissions: string[]): ServiceClaims => ({
  sub: "slo-guard",
  iss: "keiko-platform",
  aud: "control-plane",
  iat: 0,
  exp: 0,
  service_type: "worker",
  permissions,
});
const guardCaller = (permissions = ["migration:rollback", "rollout:promote"]) =>
  createCaller(createContext(fx.db, fx.bus, null, guard(permissions)));

async function toShadow(domain: "learning" | "passport" | "governance") {
  await fx.pool.query("update domains set state = 'shadow', canary_weight = 0 where name = $1", [
    domain,
  ]);
  const { domain: row } = await fx.viewer.migration.get({ domain });
  return row;
}

// The data gate has its own tests (server/data/data-gate.test.ts): here the data is ready.
beforeEach(() => fx.dataReady());

describe("rollout plans", () => {
  beforeEach(async () => {
    await fx.pool.query(
      "update rollout_plans set status = 'aborted' where status in ('running', 'paused')",
    );
  });

  it("starts from shadow at the first step, promotes step by step, and completes as migrated", async () => {
    const start = await toShadow("learning");
    const plan = await fx.operator.rollout.start({
      domain: "learning",
      steps: [1, 25, 100],
      holdSeconds: [30, 30, 60],
      reason: "progressive rollout",
      expectedVersion: start.version,
    });
    expect(plan).toMatchObject({ status: "running", currentStep: 0, steps: [1, 25, 100] });
    expect((await fx.viewer.migration.get({ domain: "learning" })).domain).toMatchObject({
      state: "canary",
      canaryWeight: 1,
    });
    await expect(
      fx.operator.rollout.start({
        domain: "learning",
        steps: [5],
        holdSeconds: [10],
        reason: "again",
        expectedVersion: start.version + 1,
      }),
    ).rejects.toMatchObject({ code: "CONFLICT" });

    await fx.operator.rollout.promote({ domain: "learning", reason: "looks fine" });
    expect((await fx.viewer.rollout.active({ domain: "learning" }))?.currentStep).toBe(1);
    await fx.operator.rollout.promote({ domain: "learning", reason: "looks fine" });
    const done = await fx.operator.rollout.promote({ domain: "learning", reason: "all good" });
    expect(done.status).toBe("completed");
    expect((await fx.viewer.migration.get({ domain: "learning" })).domain.state).toBe("migrated");
    expect(await fx.viewer.rollout.active({ domain: "learning" })).toBeNull();
  });

  it("pauses, resumes, and aborts back to legacy; a viewer can do none of it", async () => {
    const start = await toShadow("passport");
    await fx.operator.rollout.start({
      domain: "passport",
      steps: [5, 50],
      holdSeconds: [10, 10],
      reason: "go ahead",
      expectedVersion: start.version,
    });
    await expect(
      fx.viewer.rollout.pause({ domain: "passport", reason: "not allowed" }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    expect(
      await fx.operator.rollout.pause({ domain: "passport", reason: "hold on" }),
    ).toMatchObject({ status: "paused" });
    await expect(
      fx.operator.rollout.pause({ domain: "passport", reason: "again" }),
    ).rejects.toThrowError(/already paused/);
    expect(await fx.operator.rollout.resume({ domain: "passport", reason: "go on" })).toMatchObject(
      { status: "running" },
    );
    expect(await fx.operator.rollout.abort({ domain: "passport", reason: "stop" })).toMatchObject({
      status: "aborted",
    });
    expect((await fx.viewer.migration.get({ domain: "passport" })).domain.state).toBe("legacy");
  });

  it("refuses bad plans clearly", async () => {
    await expect(
      fx.operator.rollout.start({
        domain: "governance",
        steps: [50, 10],
        holdSeconds: [1, 1],
        reason: "x y z",
        expectedVersion: 1,
      }),
    ).rejects.toThrowError(/steps must grow/);
    await expect(
      fx.operator.rollout.start({
        domain: "governance",
        steps: [10, 50],
        holdSeconds: [1],
        reason: "x y z",
        expectedVersion: 1,
      }),
    ).rejects.toThrowError(/one hold time per step/);
    await expect(
      fx.operator.rollout.start({
        domain: "governance",
        steps: [10],
        holdSeconds: [1],
        reason: "x y z",
        expectedVersion: 1,
      }),
    ).rejects.toThrowError(/starts from shadow or canary/);
  });
});

describe("internal procedures for slo-guard", () => {
  it("need a service token with the right permission", async () => {
    await expect(fx.anonymous.internal.guardState()).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    await expect(fx.admin.internal.guardState()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(guardCaller(["rollout:promote"]).internal.guardState()).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  it("reads each domain's placement, policy (default until edited) and plan", async () => {
    const state = await guardCaller().internal.guardState();
    expect(state.domains).toHaveLength(6);
    expect(state.domains.find((d) => d.domain === "identity")?.policy).toMatchObject({
      maxErrorRate: 0.05,
      maxP99Ms: 500,
      minRequests: 20,
      windowSeconds: 10,
      enabled: true,
    });
  });

  it("rolls back as slo-guard with the measured values in the audit row, ending the plan", async () => {
    const start = await toShadow("governance");
    await fx.operator.rollout.start({
      domain: "governance",
      steps: [10, 100],
      holdSeconds: [5, 5],
      reason: "go ahead",
      expectedVersion: start.version,
    });
    const firstSeenAt = new Date(Date.now() - 1_200);
    const judged = (await fx.viewer.migration.get({ domain: "governance" })).domain.version;
    await guardCaller().internal.rollback({
      domain: "governance",
      version: judged,
      reason: "error rate 40.0 % > 5 % over 10 s (120 requests)",
      breach: { requests: 120, errorRate: 0.4, p99Ms: 35, windowSeconds: 10, firstSeenAt },
    });
    const { domain, history } = await fx.viewer.migration.get({ domain: "governance" });
    expect(domain).toMatchObject({ state: "legacy", updatedBy: "slo-guard" });
    expect(history[0]).toMatchObject({
      actor: "slo-guard",
      reason: "error rate 40.0 % > 5 % over 10 s (120 requests)",
    });
    const { items } = await fx.viewer.audit.list({ actor: "slo-guard", limit: 1 });
    expect(items[0]?.after).toMatchObject({
      breach: { requests: 120, errorRate: 0.4 },
      breachToRollbackMs: expect.any(Number),
    });
    expect(await fx.viewer.rollout.active({ domain: "governance" })).toBeNull();
    expect((await fx.viewer.rollout.history({ domain: "governance" }))[0]?.status).toBe(
      "rolled_back",
    );
  });

  it("promotes only from the step the guard saw", async () => {
    const start = await toShadow("learning");
    const plan = await fx.operator.rollout.start({
      domain: "learning",
      steps: [2, 20],
      holdSeconds: [1, 1],
      reason: "go ahead",
      expectedVersion: start.version,
    });
    await expect(
      guardCaller().internal.promote({ domain: "learning", planId: plan.id, fromStep: 1 }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    expect(
      await guardCaller().internal.promote({ domain: "learning", planId: plan.id, fromStep: 0 }),
    ).toMatchObject({
      currentStep: 1,
    });
    expect((await fx.viewer.migration.get({ domain: "learning" })).domain).toMatchObject({
      canaryWeight: 20,
      updatedBy: "slo-guard",
    });
  });
});

describe("SLO policies", () => {
  it("an operator edits a policy (versioned, audited); a viewer cannot", async () => {
    const input = {
      domain: "identity" as const,
      maxErrorRate: 0.02,
      maxP99Ms: 250,
      minRequests: 50,
      windowSeconds: 5,
      enabled: true,
    };
    await expect(fx.viewer.rollout.updatePolicy(input)).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const saved = await fx.operator.rollout.updatePolicy({ ...input, expectedVersion: 1 });
    expect(saved).toMatchObject({ maxErrorRate: 0.02, version: 1 });
    await expect(
      fx.operator.rollout.updatePolicy({ ...input, expectedVersion: 7 }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
    });
    expect(await fx.viewer.rollout.policy({ domain: "identity" })).toMatchObject({
      maxP99Ms: 250,
      version: 1,
    });
    await expect(
      fx.operator.rollout.updatePolicy({ ...input, maxErrorRate: 2, windowSeconds: 120 }),
    ).rejects.toThrowError(/between 0 and 1; windowSeconds: 1 to 60 s/);
  });
});
