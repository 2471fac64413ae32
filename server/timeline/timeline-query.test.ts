import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceClaims } from "@/lib/auth/service-claims";
import { recordAudit } from "@/server/audit/audit-log";
import { createCaller } from "@/server/routers/index";
import { type ControlFixture, createControlFixture } from "@/server/testing/control-fixture";
import { createContext } from "@/server/trpc";
import { listTimeline, type TimelineItem } from "./timeline-query";

const TRACE_SHADOW = "0af7651916cd43dd8448eb211c80319c";
const TRACE_CANARY = "4bf92f3577b34da6a3ce929d0e0e4736";
const TRACE_PURGE = "11111111111111111111111111111111";
const traceparent = (id: string) => `00-${id}-00f067aa0ba902b7-01`;

const guardClaims = (permissions: string[]): ServiceClaims => ({
  sub: "slo-guard",
  iss: "keiko-platform",
  aud: "control-plane",
  iat: 0,
  exp: 0,
  service_type: "worker",
  permissions,
});

let fx: ControlFixture;
const startedAt = new Date();
const asOperatorWithTrace = (traceId: string) =>
  createCaller(createContext(fx.db, fx.bus, fx.people.operator, null, traceparent(traceId)));
const guard = (permissions = ["migration:rollback", "timeline:record"]) =>
  createCaller(createContext(fx.db, fx.bus, null, guardClaims(permissions)));

/** Every row of the filter, page by page with `limit`. */
async function allPages(filter: Parameters<typeof listTimeline>[1]) {
  const items: TimelineItem[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await listTimeline(fx.db, { ...filter, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor && pages < 100);
  return { items, pages };
}

beforeAll(async () => {
  fx = await createControlFixture();
  // An operator moves learning to shadow then canary, each request with its own traceparent.
  await asOperatorWithTrace(TRACE_SHADOW).migration.transition({
    domain: "learning",
    to: "shadow",
    reason: "mirror traffic",
    expectedVersion: 1,
  });
  await fx.setParity("learning", 400, 0);
  await fx.dataReady("learning");
  await asOperatorWithTrace(TRACE_CANARY).migration.transition({
    domain: "learning",
    to: "canary",
    weight: 10,
    reason: "first users",
    expectedVersion: 2,
  });
  // slo-guard rolls it back: route change by slo-guard, behind the write fence.
  await guard().internal.rollback({
    domain: "learning",
    version: 3,
    reason: "error rate 30 % over 10 s",
    breach: { requests: 50, errorRate: 0.3, p99Ms: 80, windowSeconds: 10, firstSeenAt: new Date() },
  });
  // An operator turns reputation's shadow mirroring down: an operator action, not a route change.
  await asOperatorWithTrace(TRACE_SHADOW).migration.setShadowPercent({
    domain: "reputation",
    percent: 25,
    reason: "the legacy runtime is busy",
    expectedVersion: 1,
  });
  // A platform-wide operator action, with a trace id of its own.
  await recordAudit(fx.db, {
    actor: "test-operator",
    action: "dlq.purge-queue",
    target: "dlq:user",
    traceId: TRACE_PURGE,
  });
  // The watcher's breaker transition, dated when the gateway saw it (before everything above).
  await guard().internal.recordTimeline({
    kind: "breaker_transition",
    domain: "learning",
    severity: "critical",
    summary: "breaker learning/service closed → open",
    at: new Date(startedAt.getTime() - 60_000),
  });
  // The data sync of passport: a failed verification.
  await fx.pool.query(
    `insert into data_verifications (domain, status, requested_by, started_at, finished_at, rows_compared, differences)
     values ('passport', 'done', 'test', now(), now(), 40, 3)`,
  );
  await fx.pool.query("update data_backfills set started_at = now() where domain = 'learning'");
});
afterAll(() => fx?.close());

describe("the merged timeline", () => {
  it("shows each source once, newest first, with its kind, severity, actor and trace id", async () => {
    const { items } = await listTimeline(fx.db, { limit: 200 });
    const at = items.map((i) => i.at.getTime());
    expect([...at].sort((a, b) => b - a)).toEqual(at);
    const learning = items.filter((i) => i.domain === "learning");
    const routes = learning.filter((i) => i.key.startsWith("route:"));
    expect(routes.map((r) => [r.kind, r.severity, r.actor, r.traceId])).toEqual([
      ["auto_rollback", "critical", "slo-guard", null],
      ["route_change", "info", "test-operator", TRACE_CANARY],
      ["route_change", "info", "test-operator", TRACE_SHADOW],
    ]);
    expect(routes[0]?.summary).toBe("canary 10 % → legacy: error rate 30 % over 10 s");
    // The audit rows of those route changes are not shown a second time...
    expect(items.filter((i) => /^migration\.(transition|rollback) /.test(i.summary))).toEqual([]);
    // ...but a change of the shadow share, which is no route change, is.
    expect(items.filter((i) => i.summary.startsWith("migration.shadow_percent"))).toEqual([
      expect.objectContaining({
        kind: "operator_action",
        domain: "reputation",
        actor: "test-operator",
        summary: "migration.shadow_percent domain:reputation: the legacy runtime is busy",
      }),
    ]);
    const fence = learning.find((i) => i.key.startsWith("fence:"));
    expect(fence?.kind).toBe("data_sync");
    expect(fence?.summary).toMatch(/^writes fenced for \d+ ms during the rollback/);
    const breaker = items.find((i) => i.kind === "breaker_transition");
    expect(breaker).toMatchObject({
      domain: "learning",
      severity: "critical",
      actor: "slo-guard",
      summary: "breaker learning/service closed → open",
    });
    expect(items[items.length - 1]?.kind).toBe("breaker_transition");
    const purge = items.find((i) => i.summary.startsWith("dlq.purge-queue"));
    expect(purge).toMatchObject({
      kind: "operator_action",
      domain: null,
      severity: "warning",
      traceId: TRACE_PURGE,
    });
    const sync = items.filter((i) => i.kind === "data_sync").map((i) => [i.domain, i.summary]);
    expect(sync).toContainEqual(["passport", "verification found 3 differences in 40 rows"]);
    expect(sync).toContainEqual(["learning", "verification passed: 10 rows equal on both sides"]);
    expect(sync).toContainEqual(["learning", "backfill finished: 10 rows copied"]);
    expect(sync).toContainEqual(["learning", "backfill started (10 rows to copy)"]);
  });

  it("filters by domain, kind, severity and time", async () => {
    const passport = await listTimeline(fx.db, { domain: "passport", limit: 200 });
    expect(passport.items.length).toBeGreaterThan(0);
    expect(passport.items.every((i) => i.domain === "passport")).toBe(true);

    const rollbacks = await listTimeline(fx.db, {
      kinds: ["auto_rollback", "breaker_transition"],
      limit: 200,
    });
    expect(rollbacks.items.map((i) => i.kind).sort()).toEqual([
      "auto_rollback",
      "breaker_transition",
    ]);

    const critical = await listTimeline(fx.db, { severities: ["critical"], limit: 200 });
    expect(critical.items.map((i) => i.kind).sort()).toEqual([
      "auto_rollback",
      "breaker_transition",
    ]);

    const recent = await listTimeline(fx.db, { from: startedAt, limit: 200 });
    expect(recent.items.some((i) => i.kind === "breaker_transition")).toBe(false);
    const old = await listTimeline(fx.db, { to: startedAt, limit: 200 });
    expect(old.items.map((i) => i.kind)).toEqual(["breaker_transition"]);
  });

  it("pages by keyset without losing or repeating a row, also with rows of the same instant", async () => {
    const whole = await listTimeline(fx.db, { limit: 200 });
    // A backfill's finish and a verification written in one statement share their `now()`.
    expect(whole.items.length).toBeGreaterThan(8);
    const paged = await allPages({ limit: 2 });
    expect(paged.pages).toBe(Math.ceil(whole.items.length / 2));
    expect(paged.items.map((i) => i.key)).toEqual(whole.items.map((i) => i.key));
    const learning = await allPages({ limit: 3, domain: "learning" });
    expect(learning.items.map((i) => i.key)).toEqual(
      whole.items.filter((i) => i.domain === "learning").map((i) => i.key),
    );
  });
});

describe("authorization and input", () => {
  it("needs a signed-in viewer", async () => {
    await expect(fx.anonymous.timeline.list({})).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    const page = await fx.viewer.timeline.list({ domain: "learning", limit: 5 });
    expect(page.items).toHaveLength(5);
    expect(page.nextCursor).toBeDefined();
  });

  it("answers bad input with 400 and a plain message", async () => {
    await expect(fx.viewer.timeline.list({ cursor: "'; drop table x" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/cursor is not one this timeline gave out/),
    });
    await expect(fx.viewer.timeline.list({ kinds: ["nope" as never] })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(
      fx.viewer.timeline.list({ from: new Date(2), to: new Date(1) }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: /from must be before to/ });
  });

  it("lets only a service holding timeline:record record an event, under its own name", async () => {
    const entry = {
      kind: "dlq_spike" as const,
      severity: "warning" as const,
      summary: "dlq:events:user grew by 30 in 60 s",
    };
    await expect(fx.admin.internal.recordTimeline(entry)).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    await expect(
      guard(["migration:rollback"]).internal.recordTimeline(entry),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "slo-guard lacks the permission timeline:record",
    });
    await expect(
      guard().internal.recordTimeline({ ...entry, kind: "argocd_sync" as never }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await guard().internal.recordTimeline(entry);
    const { items } = await listTimeline(fx.db, { kinds: ["dlq_spike"], limit: 10 });
    expect(items).toMatchObject([{ actor: "slo-guard", domain: null, summary: entry.summary }]);
  });

  it("reports JAEGER_UI_URL to viewers", async () => {
    await expect(fx.anonymous.timeline.traceLinks()).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    const links = await fx.viewer.timeline.traceLinks();
    expect(links).toEqual({ jaegerUiUrl: process.env.JAEGER_UI_URL?.replace(/\/+$/, "") || null });
  });
});

describe("trace ids on audit rows", () => {
  it("come from the request's traceparent", async () => {
    const { rows } = await fx.pool.query(
      "select trace_id from audit_log where action = 'migration.transition' order by id",
    );
    expect(rows.map((r) => r.trace_id)).toEqual([TRACE_SHADOW, TRACE_CANARY]);
  });

  it("are null without a traceparent or with a malformed one", async () => {
    const headers = [null, "00-not-a-trace-01", `00-${"0".repeat(32)}-00f067aa0ba902b7-01`];
    const domains = ["identity", "governance", "marketplace"] as const;
    for (const [i, header] of headers.entries()) {
      const caller = createCaller(createContext(fx.db, fx.bus, fx.people.operator, null, header));
      await caller.rollout.updatePolicy({
        domain: domains[i] as (typeof domains)[number],
        maxErrorRate: 0.1,
        maxP99Ms: 400,
        minRequests: 10,
        windowSeconds: 10,
        enabled: true,
      });
    }
    const { rows } = await fx.pool.query(
      "select trace_id from audit_log where action = 'slo.update' order by id",
    );
    expect(rows.map((r) => r.trace_id)).toEqual([null, null, null]);
  });
});
