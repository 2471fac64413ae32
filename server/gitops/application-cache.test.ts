import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "@/server/errors";
import { ApplicationCache } from "./application-cache";
import { ApplicationClient } from "./application-client";
import { kubeConfigFor } from "./kube-config";
import { fixtureApplication } from "./testing/fixture-applications";
import { StandInApiServer } from "./testing/stand-in-api-server";
import { waitUntil } from "./testing/wait-until";

const TOKEN = "cache-test-token";
let api: StandInApiServer;
let client: ApplicationClient;
const caches: ApplicationCache[] = [];

beforeAll(async () => {
  api = new StandInApiServer({ token: TOKEN, controllerStepMs: 50 });
  await api.listen();
  client = new ApplicationClient(kubeConfigFor(api.url, TOKEN), "argocd");
  api.put(
    fixtureApplication({
      service: "identity",
      domain: "identity",
      environment: "dev",
      revisions: ["aaa1111"],
    }),
  );
  api.put(
    fixtureApplication({
      service: "learning",
      domain: "learning",
      environment: "dev",
      revisions: ["aaa1111", "bbb2222"],
    }),
  );
  // another namespace: never listed nor watched
  api.put(
    fixtureApplication({
      service: "passport",
      domain: "passport",
      environment: "dev",
      revisions: ["x"],
      namespace: "elsewhere",
    }),
  );
});
afterEach(() => {
  for (const cache of caches.splice(0)) cache.stop();
});
afterAll(() => api?.close());

function newCache() {
  const cache = new ApplicationCache(client, { minRetryMs: 50, maxRetryMs: 200 });
  caches.push(cache);
  return cache;
}

describe("the Application client against the stand-in API server", () => {
  it("lists with the list's resourceVersion and reads one Application", async () => {
    const list = await client.list();
    expect(list.items.map((a) => a.metadata.name).sort()).toEqual([
      "keiko-identity-dev",
      "keiko-learning-dev",
    ]);
    expect(Number(list.resourceVersion)).toBeGreaterThan(0);
    const app = await client.get("keiko-learning-dev");
    expect(app.status?.history?.map((h) => h.revision)).toEqual(["aaa1111", "bbb2222"]);
  });

  it("turns a 404 Status into NOT_FOUND with Kubernetes' message", async () => {
    const error = await client.get("keiko-nothing-dev").catch((e) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error.code).toBe("NOT_FOUND");
    expect(error.message).toContain('applications.argoproj.io "keiko-nothing-dev" not found');
  });

  it("sends merge patches as application/merge-patch+json and gets 409 for a stale resourceVersion", async () => {
    const app = await client.get("keiko-identity-dev");
    const patched = await client.mergePatch("keiko-identity-dev", {
      metadata: { resourceVersion: app.metadata.resourceVersion, annotations: { note: "one" } },
    });
    expect(patched.metadata.annotations?.note).toBe("one");
    expect(api.requests.filter((r) => r.method === "PATCH").at(-1)?.contentType).toBe(
      "application/merge-patch+json",
    );
    const stale = await client
      .mergePatch("keiko-identity-dev", {
        metadata: { resourceVersion: app.metadata.resourceVersion },
      })
      .catch((e) => e);
    expect(stale.code).toBe("CONFLICT");
    expect(stale.message).toContain("the object has been modified");
  });

  it("gets BAD_REQUEST when the patched object breaks Argo CD's schema", async () => {
    const error = await client
      .mergePatch("keiko-identity-dev", { operation: { sync: { revision: 42 } } })
      .catch((e) => e);
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toContain("operation/sync/revision must be string");
    expect(
      (api.get("argocd", "keiko-identity-dev") as { operation?: unknown }).operation,
    ).toBeUndefined();
  });

  it("refuses a request without the kubeconfig's token (401)", async () => {
    const stranger = new ApplicationClient(kubeConfigFor(api.url, "wrong"), "argocd");
    const error = await stranger.list().catch((e) => e);
    expect(error.code).toBe("FORBIDDEN");
  });
});

describe("the watched cache", () => {
  it("lists once, then follows the watch: a sync moves the app OutOfSync → Synced", async () => {
    const cache = newCache();
    await cache.start();
    expect(cache.state).toBe("live");
    expect(cache.snapshot().map((a) => a.name)).toEqual([
      "keiko-identity-dev",
      "keiko-learning-dev",
    ]);
    api.pushCommit("argocd", "keiko-learning-dev", "ccc3333");
    await waitUntil(
      "OutOfSync",
      () => cache.find("keiko-learning-dev")?.syncStatus === "OutOfSync",
    );
    const app = await client.get("keiko-learning-dev");
    await client.mergePatch("keiko-learning-dev", {
      metadata: { resourceVersion: app.metadata.resourceVersion },
      operation: { initiatedBy: { username: "test" }, sync: { syncStrategy: { hook: {} } } },
    });
    const synced = await waitUntil("Synced at ccc3333", () => {
      const view = cache.find("keiko-learning-dev");
      return (
        view?.syncStatus === "Synced" &&
        view.revision === "ccc3333" &&
        !view.operationRunning &&
        view
      );
    });
    expect(synced.lastSync?.phase).toBe("Succeeded");
    expect(synced.history[0]?.revision).toBe("ccc3333");
    expect(cache.stats.lists).toBe(1);
    expect(cache.resourceVersion).toBe(synced.resourceVersion);
  });

  it("resumes from its last resourceVersion when the server ends the stream, without a re-list", async () => {
    const cache = newCache();
    await cache.start();
    const watchesBefore = cache.stats.watches;
    api.dropWatches();
    api.put({
      ...fixtureApplication({
        service: "identity",
        domain: "identity",
        environment: "dev",
        revisions: ["aaa1111"],
        health: "Degraded",
      }),
    });
    await waitUntil(
      "Degraded",
      () => cache.find("keiko-identity-dev")?.healthStatus === "Degraded",
    );
    expect(cache.stats.watches).toBeGreaterThan(watchesBefore);
    expect(cache.stats.lists).toBe(1);
    const resumed = api.requests.filter((r) => r.method === "GET").at(-1);
    expect(resumed?.path).toBe("/apis/argoproj.io/v1alpha1/namespaces/argocd/applications");
  });

  it("moves its resourceVersion on a BOOKMARK", async () => {
    const cache = newCache();
    await cache.start();
    api.put(
      fixtureApplication({
        service: "passport",
        domain: "passport",
        environment: "dev",
        revisions: ["p"],
        namespace: "elsewhere",
      }),
    );
    const before = cache.resourceVersion;
    api.bookmark();
    await waitUntil("bookmark", () => cache.resourceVersion !== before);
    expect(Number(cache.resourceVersion)).toBeGreaterThan(Number(before));
  });

  it("lists again after 410 Gone and drops what was deleted meanwhile", async () => {
    const cache = newCache();
    await cache.start();
    api.put(
      fixtureApplication({
        service: "governance",
        domain: "governance",
        environment: "dev",
        revisions: ["g1"],
      }),
    );
    await waitUntil("governance added", () => cache.find("keiko-governance-dev"));
    // while the watch is down the app goes and the server forgets that history (compaction):
    // the cache's resourceVersion is too old when it comes back
    api.dropWatches();
    api.remove("argocd", "keiko-governance-dev");
    api.compact();
    await waitUntil("a second list", () => cache.stats.lists === 2);
    await waitUntil("governance gone", () => !cache.find("keiko-governance-dev"));
    expect(cache.state).toBe("live");
  });

  it("reports an API server that does not answer as the cache's error", async () => {
    const down = new StandInApiServer({ token: TOKEN });
    const url = await down.listen();
    await down.close();
    const cache = new ApplicationCache(new ApplicationClient(kubeConfigFor(url, TOKEN), "argocd"), {
      minRetryMs: 50,
    });
    caches.push(cache);
    await cache.start();
    expect(cache.state).toBe("error");
    expect(cache.lastError).toContain("did not answer");
  });
});
