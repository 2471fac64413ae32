import path from "node:path";
import { and, desc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "@/server/db/schema/audit";
import { domains } from "@/server/db/schema/migration";
import { timelineEvents } from "@/server/db/schema/timeline";
import { type ControlFixture, createControlFixture } from "@/server/testing/control-fixture";
import { PAUSED_POLICY_ANNOTATION, REFRESH_ANNOTATION } from "./argocd-names";
import { createGitopsRuntime, type GitopsRuntime, installGitopsRuntime } from "./gitops-runtime";
import { kubeConfigFor } from "./kube-config";
import { fixtureApplication } from "./testing/fixture-applications";
import { StandInApiServer } from "./testing/stand-in-api-server";
import { waitUntil } from "./testing/wait-until";

const OVERLAYS = path.join(import.meta.dirname, "testing/overlays");
let fx: ControlFixture;
let api: StandInApiServer;
let runtime: GitopsRuntime;

beforeAll(async () => {
  fx = await createControlFixture();
  api = new StandInApiServer({ controllerStepMs: 100 });
  await api.listen();
  runtime = createGitopsRuntime({
    kubeConfig: kubeConfigFor(api.url),
    namespace: "argocd",
    overlaysDir: OVERLAYS,
    db: fx.db,
  });
  installGitopsRuntime(runtime);
});
afterAll(async () => {
  installGitopsRuntime(undefined);
  runtime?.stop();
  await api?.close();
  await fx?.close();
});

async function auditRows(action: string) {
  return fx.db
    .select()
    .from(auditLog)
    .where(eq(auditLog.action, action))
    .orderBy(desc(auditLog.id));
}

describe("gitops.overview and domainHealth", () => {
  it("groups Applications by environment and shows the overlay's image beside the deployed one", async () => {
    api.put(
      fixtureApplication({
        service: "identity",
        domain: "identity",
        environment: "dev",
        revisions: ["bbb2222"],
      }),
    );
    api.put(
      fixtureApplication({
        service: "identity",
        domain: "identity",
        environment: "staging",
        revisions: ["zzz9999"],
        health: "Degraded",
      }),
    );
    const overview = await waitUntil("two apps", async () => {
      const o = await fx.viewer.gitops.overview();
      return o.environments.flatMap((e) => e.applications).length === 2 && o;
    });
    expect(overview.cluster).toMatchObject({ configured: true, state: "live" });
    const dev = overview.environments.find((e) => e.environment === "dev");
    expect(dev?.applications[0]).toMatchObject({
      name: "keiko-identity-dev",
      deployedImage: "registry.example/keiko/identity:bbb2222",
      desiredImage: "registry.example/keiko/identity:bbb2222",
      drift: "in sync",
    });
    const staging = overview.environments.find((e) => e.environment === "staging");
    expect(staging?.applications[0]).toMatchObject({
      drift: "drift",
      healthStatus: "Degraded",
      desiredImage: "registry.example/keiko/identity:aaa1111",
    });
    expect(dev?.desired?.source).toBe("kubectl kustomize");
    const health = await fx.viewer.gitops.domainHealth();
    const identity = health.domains.find((d) => d.domain === "identity");
    expect(identity?.environments.staging).toMatchObject({ health: "Degraded", sync: "Synced" });
    expect(identity?.environments.production).toBeNull();
  });

  it("without a cluster says so and still shows the overlays' desired state", async () => {
    installGitopsRuntime(
      createGitopsRuntime({ kubeConfig: null, namespace: "argocd", overlaysDir: OVERLAYS }),
    );
    try {
      const overview = await fx.viewer.gitops.overview();
      expect(overview.cluster.configured).toBe(false);
      expect(overview.cluster.message).toContain("No Kubernetes cluster is configured");
      const production = overview.environments.find((e) => e.environment === "production");
      expect(production?.desired?.images.learning).toBe("registry.example/keiko/learning:aaa1111");
      await expect(fx.operator.gitops.sync({ name: "keiko-identity-dev" })).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: expect.stringContaining("no Kubernetes cluster is configured"),
      });
    } finally {
      installGitopsRuntime(runtime);
    }
  });
});

describe("Sync, Refresh and Rollback", () => {
  it("Sync sets operation as argocd app sync does; the controller takes it OutOfSync → Synced; audited", async () => {
    api.put(
      fixtureApplication({
        service: "learning",
        domain: "learning",
        environment: "dev",
        revisions: ["aaa1111"],
      }),
    );
    api.pushCommit("argocd", "keiko-learning-dev", "ccc3333");
    await waitUntil(
      "OutOfSync in the cache",
      () => runtime.cache?.find("keiko-learning-dev")?.syncStatus === "OutOfSync",
    );
    await expect(fx.viewer.gitops.sync({ name: "keiko-learning-dev" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const started = await fx.operator.gitops.sync({ name: "keiko-learning-dev", prune: true });
    expect(started.operationRunning).toBe(true);
    const sent = api.get("argocd", "keiko-learning-dev") as { operation?: unknown };
    expect(sent.operation).toEqual({
      initiatedBy: { username: "test-operator" },
      sync: { revision: "main", prune: true, syncStrategy: { hook: {} } },
    });
    // a second sync while the first runs is refused, as Argo CD does
    await expect(fx.operator.gitops.sync({ name: "keiko-learning-dev" })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    const synced = await waitUntil("Synced", () => {
      const view = runtime.cache?.find("keiko-learning-dev");
      return view?.syncStatus === "Synced" && !view.operationRunning && view;
    });
    expect(synced.history.map((h) => h.revision)).toEqual(["ccc3333", "aaa1111"]);
    expect(synced.revision).toBe("ccc3333");
    const [audit] = await auditRows("gitops.sync");
    expect(audit).toMatchObject({
      actor: "test-operator",
      target: "application:keiko-learning-dev",
    });
  });

  it("Refresh sets the refresh annotation", async () => {
    await fx.operator.gitops.refresh({ name: "keiko-learning-dev", kind: "hard" });
    const app = api.get("argocd", "keiko-learning-dev") as {
      metadata: { annotations?: Record<string, string> };
    };
    expect(app.metadata.annotations?.[REFRESH_ANNOTATION]).toBe("hard");
    expect((await auditRows("gitops.refresh"))[0]?.after).toEqual({ refresh: "hard" });
  });

  it("Rollback is for admins, refused while auto-sync is on, and syncs the history entry's revision otherwise", async () => {
    api.put(
      fixtureApplication({
        service: "passport",
        domain: "passport",
        environment: "dev",
        revisions: ["p1", "p2", "p3"],
      }),
    );
    await expect(
      fx.operator.gitops.rollback({ name: "keiko-passport-dev", historyId: 0 }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      fx.admin.gitops.rollback({ name: "keiko-passport-dev", historyId: 0 }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("refuses a rollback while automated sync is on"),
    });
    api.put(
      fixtureApplication({
        service: "passport",
        domain: "passport",
        environment: "dev",
        revisions: ["p1", "p2", "p3"],
        automated: false,
      }),
    );
    await expect(
      fx.admin.gitops.rollback({ name: "keiko-passport-dev", historyId: 9 }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await fx.admin.gitops.rollback({ name: "keiko-passport-dev", historyId: 0 });
    const done = await waitUntil("rolled back to p1", () => {
      const view = runtime.cache?.find("keiko-passport-dev");
      return view?.revision === "p1" && !view.operationRunning && view;
    });
    expect(done.history[0]).toMatchObject({ id: 3, revision: "p1", initiatedBy: "test-admin" });
    const [row] = await fx.db
      .select()
      .from(timelineEvents)
      .where(eq(timelineEvents.kind, "argocd_rollback"))
      .orderBy(desc(timelineEvents.id));
    expect(row).toMatchObject({ domain: "passport", source: "gitops" });
  });

  it("refuses bad input with a 400 and a plain message", async () => {
    await expect(fx.operator.gitops.sync({ name: "Not A Name" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(fx.operator.gitops.sync({ name: "keiko-nothing-dev" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});

describe("the Git-aware domain rollback", () => {
  it("routes to legacy, pauses auto-sync and goes back to the last revision that ended Healthy, timed", async () => {
    // g1 healthy, g2 degraded, g3 healthy, g4 (current) degraded: the pick must be g3, not g4 or g2
    const name = "keiko-governance-production";
    for (const [revisions, health] of [
      [["g1"], "Healthy"],
      [["g1", "g2"], "Degraded"],
      [["g1", "g2", "g3"], "Healthy"],
      [["g1", "g2", "g3", "g4"], "Degraded"],
    ] as const) {
      api.put(
        fixtureApplication({
          service: "governance",
          domain: "governance",
          environment: "production",
          revisions: [...revisions],
          health,
        }),
      );
      const last = revisions.at(-1);
      await waitUntil(`observed ${last}`, async () => {
        const rows = await fx.db
          .select()
          .from(timelineEvents)
          .where(
            and(
              eq(timelineEvents.kind, "argocd_sync"),
              sql`${timelineEvents.details}->>'revision' = ${last}`,
            ),
          );
        return rows.length === 1;
      });
    }
    const preview = await fx.viewer.gitops.rollbackPreview({
      domain: "governance",
      environment: "production",
    });
    expect(preview.target).toEqual({ id: 2, revision: "g3" });
    expect(preview.considered).toEqual([
      { id: 2, revision: "g3", endedHealth: "Healthy" },
      { id: 1, revision: "g2", endedHealth: "Degraded" },
      { id: 0, revision: "g1", endedHealth: "Healthy" },
    ]);

    await fx.dataReady("governance");
    await fx.db.execute(
      sql`update domains set state = 'canary', canary_weight = 20 where name = 'governance'`,
    );
    await expect(
      fx.viewer.gitops.rollbackDomain({
        domain: "governance",
        environment: "production",
        reason: "errors",
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    const result = await fx.operator.gitops.rollbackDomain({
      domain: "governance",
      environment: "production",
      reason: "g4 answers 500",
    });
    expect(result.route).toMatchObject({ outcome: "done" });
    expect(result.route.fence).toMatchObject({ drained: true });
    expect(result.pause).toMatchObject({
      outcome: "done",
      previousPolicy: { prune: true, selfHeal: true },
    });
    expect(result.rollback).toMatchObject({ outcome: "done", revision: "g3", historyId: 2 });
    expect(result.argo).toMatchObject({ outcome: "done", phase: "Succeeded" });
    expect(result.argo.ms).toBeGreaterThan(0);
    expect(result.totalMs).toBeGreaterThanOrEqual(
      result.route.ms + result.pause.ms + result.rollback.ms,
    );

    const [domain] = await fx.db.select().from(domains).where(eq(domains.name, "governance"));
    expect(domain).toMatchObject({ state: "legacy", writeFence: false });
    const app = api.get("argocd", name) as {
      spec: { syncPolicy?: { automated?: unknown } };
      metadata: { annotations?: Record<string, string> };
      status: { sync: { revision: string } };
    };
    expect(app.spec.syncPolicy?.automated).toBeUndefined();
    expect(JSON.parse(app.metadata.annotations?.[PAUSED_POLICY_ANNOTATION] ?? "null")).toEqual({
      prune: true,
      selfHeal: true,
    });
    expect(app.status.sync.revision).toBe("g3");
    const [audit] = await auditRows("gitops.domain_rollback");
    expect(audit).toMatchObject({ actor: "test-operator", target: "domain:governance" });
    expect((await auditRows("migration.rollback"))[0]?.target).toBe("domain:governance");

    // and auto-sync can be put back as it was
    await fx.operator.gitops.resumeAutoSync({ name });
    const resumed = api.get("argocd", name) as typeof app;
    expect(resumed.spec.syncPolicy?.automated).toEqual({ prune: true, selfHeal: true });
    expect(resumed.metadata.annotations?.[PAUSED_POLICY_ANNOTATION]).toBeUndefined();
  });

  it("keeps users on legacy and says why when no earlier revision was seen Healthy", async () => {
    api.put(
      fixtureApplication({
        service: "marketplace",
        domain: "marketplace",
        environment: "production",
        revisions: ["m1", "m2"],
        health: "Degraded",
      }),
    );
    await waitUntil("marketplace in the cache", () =>
      runtime.cache?.find("keiko-marketplace-production"),
    );
    await fx.db.execute(
      sql`update domains set state = 'migrated', canary_weight = 100 where name = 'marketplace'`,
    );
    const result = await fx.operator.gitops.rollbackDomain({
      domain: "marketplace",
      environment: "production",
      reason: "m2 is broken",
    });
    expect(result.route.outcome).toBe("done");
    expect(result.pause.outcome).toBe("done");
    expect(result.rollback).toMatchObject({ outcome: "skipped", revision: null });
    expect(result.rollback.note).toContain("no earlier revision");
    const [domain] = await fx.db.select().from(domains).where(eq(domains.name, "marketplace"));
    expect(domain?.state).toBe("legacy");
  });

  it("keeps users on legacy when the Kubernetes part fails, and says which part failed", async () => {
    await fx.db.execute(
      sql`update domains set state = 'canary', canary_weight = 5 where name = 'reputation'`,
    );
    const result = await fx.operator.gitops.rollbackDomain({
      domain: "reputation",
      environment: "production",
      reason: "no Application for it",
    });
    expect(result.route.outcome).toBe("done");
    expect(result.pause).toMatchObject({ outcome: "failed" });
    expect(result.pause.note).toContain('"keiko-reputation-production" not found');
    expect(result.rollback.outcome).toBe("skipped");
    const [domain] = await fx.db.select().from(domains).where(eq(domains.name, "reputation"));
    expect(domain?.state).toBe("legacy");
    // a second click finds the domain on legacy already and skips that part
    const again = await fx.operator.gitops.rollbackDomain({
      domain: "reputation",
      environment: "production",
      reason: "again",
    });
    expect(again.route).toMatchObject({ outcome: "skipped", ms: 0 });
  });
});
