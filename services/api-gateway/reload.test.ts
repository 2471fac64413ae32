import { drizzle } from "drizzle-orm/node-postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RouteWatcher } from "./route-watcher";
import { setDomainState, startGatewayUnderTest } from "./testing/gateway-under-test";
import { startUpstreamStub, type UpstreamStub } from "./testing/upstream-stub";

let legacy: UpstreamStub;
let identity: UpstreamStub;
let reputation: UpstreamStub;
let gateway: Awaited<ReturnType<typeof startGatewayUnderTest>>;

beforeAll(async () => {
  [legacy, identity, reputation] = await Promise.all([
    startUpstreamStub({ audience: "legacy-runtime" }),
    startUpstreamStub({ audience: "identity" }),
    startUpstreamStub({ audience: "reputation" }),
  ]);
  gateway = await startGatewayUnderTest(
    [
      { name: "identity", state: "legacy", legacyUrl: legacy.url, serviceUrl: identity.url },
      { name: "reputation", state: "shadow", legacyUrl: legacy.url, serviceUrl: reputation.url },
    ],
    // the periodic reload is out of the way: only the notification can apply a change in time
    { GATEWAY_ROUTES_RELOAD_MS: "600000" },
  );
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([legacy, identity, reputation].map((stub) => stub?.close()));
});

type Sample = { startedAt: number; status: number; upstream: string | null };

/** `workers` loops of requests until `stop()`; every answer (or network error) is kept. */
function loadLoop(path: string, workers: number) {
  const samples: Sample[] = [];
  let running = true;
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      const startedAt = performance.now();
      try {
        const response = await fetch(`${gateway.baseUrl}${path}`);
        await response.arrayBuffer();
        samples.push({
          startedAt,
          status: response.status,
          upstream: response.headers.get("x-keiko-upstream"),
        });
      } catch {
        samples.push({ startedAt, status: 0, upstream: null });
      }
    }
  });
  return {
    samples,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("route changes", () => {
  it("apply within 1 s under continuous load, without failing a request", async () => {
    const load = loadLoop("/api/identity/v1/users", 6);
    await sleep(300);
    await gateway.setDomain("identity", "migrated");
    const migratedAt = performance.now();
    await sleep(1_300);
    await gateway.setDomain("identity", "legacy");
    const rolledBackAt = performance.now();
    await sleep(1_300);
    await load.stop();

    const { samples } = load;
    expect(samples.length).toBeGreaterThan(100);
    expect(samples.filter((s) => s.status !== 200)).toEqual([]);
    const firstOnService = samples.find((s) => s.upstream === "identity");
    expect(firstOnService).toBeDefined();
    const switchMs = (firstOnService?.startedAt ?? Number.POSITIVE_INFINITY) - migratedAt;
    // every request started 1 s after a change follows it (until shortly before the next one:
    // a request started just before a change may reach the gateway after it)
    const late = (from: number, to: number) =>
      samples.filter((s) => s.startedAt > from + 1_000 && s.startedAt < to - 100);
    expect(late(migratedAt, rolledBackAt).every((s) => s.upstream === "identity")).toBe(true);
    expect(
      late(rolledBackAt, Number.POSITIVE_INFINITY).every((s) => s.upstream === "legacy-runtime"),
    ).toBe(true);
    expect(late(migratedAt, rolledBackAt).length).toBeGreaterThan(0);
    expect(switchMs).toBeLessThan(1_000);
  });

  it("keep each user on one side while the canary weight only grows (10 → 20 → 50)", async () => {
    const users = Array.from({ length: 200 }, (_, i) => `sticky-user-${i}`);
    // a stable hash of the user: the same answer at every weight below or above its bucket
    const onService: Array<Set<string>> = [];
    for (const weight of [10, 20, 50]) {
      await gateway.setDomain("reputation", "canary", weight);
      await expect
        .poll(
          () =>
            gateway.app.gateway.routes.table.routes.find((r) => r.name === "reputation")
              ?.canaryWeight,
        )
        .toBe(weight);
      const chosen = new Set<string>();
      await Promise.all(
        users.map(async (user) => {
          const response = await fetch(`${gateway.baseUrl}/api/reputation/v1/scores/x`, {
            headers: { "x-keiko-user": user },
          });
          await response.arrayBuffer();
          if (response.headers.get("x-keiko-upstream") === "reputation") chosen.add(user);
        }),
      );
      onService.push(chosen);
    }
    const [at10, at20, at50] = onService as [Set<string>, Set<string>, Set<string>];
    for (const user of at10) expect(at20.has(user)).toBe(true);
    for (const user of at20) expect(at50.has(user)).toBe(true);
    // 200 users: the shares are near the weights
    expect(at10.size).toBeGreaterThan(5);
    expect(at10.size).toBeLessThan(40);
    expect(at20.size).toBeGreaterThan(20);
    expect(at20.size).toBeLessThan(60);
    expect(at50.size).toBeGreaterThan(75);
    expect(at50.size).toBeLessThan(125);
  });

  it("are picked up again after the LISTEN connection is killed", async () => {
    const { rows } = await gateway.pool.query(
      `select pg_terminate_backend(pid) as killed from pg_stat_activity
        where datname = current_database() and query ilike 'listen%'`,
    );
    expect(rows).toHaveLength(1);
    await sleep(50);
    await gateway.setDomain("identity", "migrated");
    const changedAt = performance.now();
    await expect
      .poll(
        () => gateway.app.gateway.routes.table.routes.find((r) => r.name === "identity")?.state,
        {
          interval: 20,
          timeout: 2_000,
        },
      )
      .toBe("migrated");
    expect(performance.now() - changedAt).toBeLessThan(1_000);
    // and it listens again
    await expect
      .poll(async () => {
        const listening = await gateway.pool.query(
          `select 1 from pg_stat_activity where datname = current_database() and query ilike 'listen%'`,
        );
        return listening.rowCount;
      })
      .toBe(1);
    await gateway.setDomain("identity", "legacy");
    const start = performance.now();
    await expect
      .poll(
        () => gateway.app.gateway.routes.table.routes.find((r) => r.name === "identity")?.state,
        {
          interval: 20,
        },
      )
      .toBe("legacy");
    expect(performance.now() - start).toBeLessThan(1_000);
  });

  it("reach a watcher that cannot LISTEN through the periodic full reload", async () => {
    const db = drizzle(gateway.pool);
    const warnings: unknown[] = [];
    const watcher = new RouteWatcher({
      db,
      // nothing listens there: the LISTEN connection keeps failing, the safety net must do it
      databaseUrl: "postgres://postgres@127.0.0.1:1/none",
      reloadIntervalMs: 200,
      logger: { info: () => {}, warn: (entry: unknown) => warnings.push(entry), error: () => {} },
    });
    await watcher.start();
    try {
      expect(watcher.table.routes.find((r) => r.name === "identity")?.state).toBe("legacy");
      await setDomainState(gateway.pool, "identity", "shadow", 0, false);
      await expect
        .poll(() => watcher.table.routes.find((r) => r.name === "identity")?.state, {
          interval: 20,
        })
        .toBe("shadow");
      expect(warnings.length).toBeGreaterThan(0);
    } finally {
      await watcher.close();
      await setDomainState(gateway.pool, "identity", "legacy");
    }
  });
});
