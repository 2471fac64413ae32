import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import pino from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { verifyServiceToken } from "@/lib/auth/verify-service-token";
import { readBearerToken } from "@/lib/http/bearer-token";
import { CircuitBreakerRegistry } from "@/lib/resilience/circuit-breakers";
import { RollingStats } from "@/lib/resilience/rolling-stats";
import { StatsPublisher } from "@/lib/resilience/stats-publisher";
import { TEST_SERVICE_SECRET, testServiceKey } from "@/lib/testing/contract-target";
import { appRouter } from "@/server/routers/index";
import { type ControlFixture, createControlFixture } from "@/server/testing/control-fixture";
import { createContext } from "@/server/trpc";
import { createControlPlaneClient } from "@/workers/slo-guard/control-plane";
import { type SloGuard, startSloGuard } from "@/workers/slo-guard/guard-loop";
import { serveFetchHandler } from "@/workers/slo-guard/testing/fetch-server";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let fx: ControlFixture;
let server: Awaited<ReturnType<typeof serveFetchHandler>>;
let guard: SloGuard;
let publisher: StatsPublisher;
const breakers = new CircuitBreakerRegistry();

beforeAll(async () => {
  fx = await createControlFixture();
  // The control plane's router over HTTP, with the service token checked as the console does.
  server = await serveFetchHandler((request) =>
    fetchRequestHandler({
      endpoint: "/api/trpc",
      req: request,
      router: appRouter,
      createContext: async () => {
        let token: string | undefined;
        try {
          token = readBearerToken(request.headers.get("authorization") ?? undefined);
        } catch {
          token = undefined;
        }
        const verified = await verifyServiceToken(token, {
          key: testServiceKey,
          audience: "control-plane",
        });
        return createContext(fx.db, fx.bus, null, verified.ok ? verified.claims : null);
      },
    }),
  );
  guard = await startSloGuard({
    redis: fx.bus.redis,
    prefix: fx.bus.prefix,
    controlPlane: createControlPlaneClient({
      url: server.url,
      serviceTokenSecret: TEST_SERVICE_SECRET,
    }),
    logger: pino({ level: "silent" }),
    intervalMs: 250,
  });
  publisher = new StatsPublisher({
    redis: fx.bus.redis,
    prefix: fx.bus.prefix,
    gatewayId: "gw-e2e",
    breakers,
    stats: new RollingStats(),
    upstreams: () => [{ domain: "passport", side: "service" }],
    intervalMs: 100,
  }).start();
});
afterAll(async () => {
  await guard?.stop();
  await publisher?.stop();
  await server?.close();
  await fx?.close();
});

it("a breaker transition seen by slo-guard lands once in the timeline, under slo-guard", async () => {
  await sleep(300);
  breakers.breaker("passport", "service").force("open");
  const deadline = Date.now() + 5_000;
  let rows: Awaited<ReturnType<typeof fx.viewer.timeline.list>>["items"] = [];
  while (Date.now() < deadline) {
    rows = (await fx.viewer.timeline.list({ kinds: ["breaker_transition"] })).items;
    if (rows.length > 0) break;
    await sleep(100);
  }
  // Many more snapshots go by with the breaker open: still one row.
  await sleep(1_000);
  rows = (await fx.viewer.timeline.list({ domain: "passport", kinds: ["breaker_transition"] }))
    .items;
  expect(rows).toMatchObject([
    {
      kind: "breaker_transition",
      domain: "passport",
      severity: "critical",
      actor: "slo-guard",
      summary: "breaker passport/service closed → open (forced open by an operator)",
    },
  ]);
});
