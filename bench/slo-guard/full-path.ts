import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import pino from "pino";
import { verifyServiceToken } from "@/lib/auth/verify-service-token";
import { readBearerToken } from "@/lib/http/bearer-token";
import { TEST_SERVICE_SECRET, testServiceKey } from "@/lib/testing/contract-target";
import { createControlDb } from "@/server/db/client";
import { appRouter } from "@/server/routers/index";
import { createContext } from "@/server/trpc";
import { UPSTREAM_HEADER } from "@/services/api-gateway/proxy";
import { startGatewayUnderTest } from "@/services/api-gateway/testing/gateway-under-test";
import {
  type StubBehaviour,
  startUpstreamStub,
} from "@/services/api-gateway/testing/upstream-stub";
import { createControlPlaneClient } from "@/workers/slo-guard/control-plane";
import { type GuardActionEvent, startSloGuard } from "@/workers/slo-guard/guard-loop";
import { serveFetchHandler } from "@/workers/slo-guard/testing/fetch-server";

/**
 * The whole path on one machine: client traffic (open loop, 200 requests/s) through the real API
 * gateway (learning in canary at 50 %, sticky by user) to two upstream stubs; the gateway's real statistics on Redis; the
 * real slo-guard; the control plane's real tRPC router (`internal.rollback`: one transaction with
 * the audit row and the `keiko_routes` notification) on a real keiko_control database, served
 * over HTTP the way the console's route handler serves it, minus Next.js; the gateway reloading
 * its routes on that notification. "Back on legacy" is when the last request answered by the new
 * service was sent: every request after it went to legacy.
 */

export type FullPathSample = {
  /** Start of the breach (firstSeenAt) → rollback call returned (the guard's measure). */
  guardMeasureMs: number;
  /** Start of the breach (firstSeenAt) → the last request routed to the new service. */
  breachToLegacyMs: number;
  /** Fault injected → the last request routed to the new service. */
  faultToLegacyMs: number;
  /** Fault injected → rollback call returned. */
  faultToRollbackMs: number;
  /** Client requests answered with a 5xx (or no answer) from the fault to the rollback. */
  failedRequests: number;
  /** Whether the audit row of the rollback (actor slo-guard, reason) was found. */
  audited: boolean;
};

export type FullPathFault = { label: string; behaviour: StubBehaviour };

type Sent = { sentAt: number; upstream: string | null; status: number };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `runs` rollbacks per fault on one long-running stack; returns the samples per fault. */
export async function runFullPath(
  faults: FullPathFault[],
  runs: number,
  log: (line: string) => void,
): Promise<Array<{ fault: FullPathFault; samples: FullPathSample[]; missed: number }>> {
  const legacy = await startUpstreamStub({ audience: "legacy-runtime" });
  const service = await startUpstreamStub({ audience: "learning" });
  const gateway = await startGatewayUnderTest(
    [{ name: "learning", state: "legacy", legacyUrl: legacy.url, serviceUrl: service.url }],
    // the production defaults of publication and half-open delay (the test helper shortens them)
    { GATEWAY_STATS_PUBLISH_MS: "500", GATEWAY_BREAKER_HALF_OPEN_AFTER_MS: "5000" },
  );
  const control = createControlDb(gateway.settings.databaseUrl, 4);
  const bus = { redis: gateway.redis, prefix: gateway.prefix };
  const controlPlane = await serveFetchHandler((request) =>
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
        return createContext(control.db, bus, null, verified.ok ? verified.claims : null);
      },
    }),
  );
  let rolledBack: (GuardActionEvent & { returnedAt: number }) | null = null;
  const guard = await startSloGuard({
    redis: gateway.redis,
    prefix: gateway.prefix,
    controlPlane: createControlPlaneClient({
      url: controlPlane.url,
      serviceTokenSecret: TEST_SERVICE_SECRET,
    }),
    logger: pino({ level: "silent" }),
    intervalMs: 250,
    onAction: (event) => {
      if (event.action === "rollback" && event.ok)
        rolledBack = { ...event, returnedAt: Date.now() };
    },
  });

  // Open-loop load, 200 requests/s, each as a new user (so 50 % go to the new service): clients
  // keep arriving while the new service is slow, as real ones do, so the moment of the switch
  // shows in the requests' send times.
  const sent: Sent[] = [];
  let userCounter = 0;
  let inFlight = 0;
  const inFlightCalls = new Set<Promise<void>>();
  const fire = async () => {
    const sentAt = Date.now();
    userCounter += 1;
    inFlight += 1;
    try {
      const response = await fetch(`${gateway.baseUrl}/api/learning/v1/ping`, {
        headers: { "x-keiko-user": `bench-user-${userCounter}` },
      });
      await response.arrayBuffer();
      sent.push({
        sentAt,
        upstream: response.headers.get(UPSTREAM_HEADER),
        status: response.status,
      });
    } catch {
      sent.push({ sentAt, upstream: null, status: 0 });
    } finally {
      inFlight -= 1;
    }
  };
  const load = setInterval(() => {
    if (inFlight >= 500) return;
    const call = fire().finally(() => inFlightCalls.delete(call));
    inFlightCalls.add(call);
  }, 5);

  const results: Array<{ fault: FullPathFault; samples: FullPathSample[]; missed: number }> = [];
  try {
    for (const fault of faults) {
      log(`${fault.label}`);
      const samples: FullPathSample[] = [];
      let missed = 0;
      for (let run = 0; run < runs; run++) {
        service.behave({});
        // the failed seconds of the previous run must leave the 10-second window first
        await sleep(run === 0 && results.length === 0 ? 1_000 : 11_000);
        await gateway.setDomain("learning", "canary", 50);
        await sleep(2_500 + Math.random() * 1_000);
        rolledBack = null;
        sent.length = 0;
        const injectedAt = Date.now();
        service.behave(fault.behaviour);
        const deadline = Date.now() + 15_000;
        while (!rolledBack && Date.now() < deadline) await sleep(10);
        const done = rolledBack as (GuardActionEvent & { returnedAt: number }) | null;
        if (done?.action !== "rollback" || !done.ok) {
          missed += 1;
          log(`  run ${run + 1}: no rollback within 15 s`);
          await gateway.setDomain("learning", "legacy", 0);
          continue;
        }
        await sleep(1_500);
        const lastOnService = sent
          .filter((s) => s.upstream === "learning")
          .reduce((last, s) => Math.max(last, s.sentAt), 0);
        const firstSecond = done.breach.firstSeenAt.getTime();
        const audit = await control.pool.query(
          `select 1 from audit_log where actor = 'slo-guard' and action = 'migration.rollback'
             and after->>'reason' = $1`,
          [done.reason],
        );
        const sample: FullPathSample = {
          guardMeasureMs: done.breachToRollbackMs,
          breachToLegacyMs: lastOnService - firstSecond,
          faultToLegacyMs: lastOnService - injectedAt,
          faultToRollbackMs: done.returnedAt - injectedAt,
          failedRequests: sent.filter(
            (s) => s.sentAt <= done.returnedAt && (s.status >= 500 || s.status === 0),
          ).length,
          audited: (audit.rowCount ?? 0) > 0,
        };
        samples.push(sample);
        log(
          `  run ${String(run + 1).padStart(2)}: start of breach → returned ` +
            `${sample.guardMeasureMs} ms, → traffic on legacy ${sample.breachToLegacyMs} ms; ` +
            `fault → legacy ${sample.faultToLegacyMs} ms, → returned ${sample.faultToRollbackMs} ms; ` +
            `${sample.failedRequests} failed requests; "${done.reason}"` +
            (sample.audited ? "" : " (NO AUDIT ROW)"),
        );
      }
      results.push({ fault, samples, missed });
    }
  } finally {
    clearInterval(load);
    await Promise.allSettled([...inFlightCalls]);
    await guard.stop();
    await controlPlane.close();
    await control.pool.end();
    await gateway.close();
    await legacy.close();
    await service.close();
  }
  return results;
}
