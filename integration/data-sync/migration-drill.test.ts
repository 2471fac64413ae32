/**
 * The migration drill (issue 7): clients write to every migrating domain through the gateway
 * without pause while identity, learning and passport go legacy → shadow → canary → migrated,
 * with one operator rollback in canary and one automatic slo-guard rollback on the way. At the
 * end every acknowledged entity is readable on both sides through the gateway, the verifier finds
 * no difference, every business event was published once, and every user has one passport.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { issueServiceToken } from "@/lib/auth/issue-service-token";
import type { DomainName } from "@/lib/contracts/domains";
import { testServiceKey } from "@/lib/testing/contract-target";
import { DRILL_DOMAINS, type DrillPlatform, startDrillPlatform } from "./drill/platform";
import { type Acknowledged, startTraffic } from "./drill/traffic";

let p: DrillPlatform;
let traffic: ReturnType<typeof startTraffic>;
const log: string[] = [];

beforeAll(async () => {
  p = await startDrillPlatform();
}, 120_000);
afterAll(async () => {
  await traffic?.stop();
  await p?.close();
});

function note(line: string) {
  log.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
}

async function domainRow(domain: DomainName) {
  const { domain: row } = await p.control.viewer.migration.get({ domain });
  return row;
}

/** An operator's move; parity needs 200 shadowed requests the drill does not wait for: an admin overrides it, never the data gate. */
async function move(domain: DomainName, to: "shadow" | "canary" | "migrated", weight?: number) {
  const row = await domainRow(domain);
  await vi.waitFor(
    () =>
      p.control.admin.migration.transition({
        domain,
        to,
        weight,
        reason: `drill: ${to}`,
        expectedVersion: row.version,
        overrideParity: to === "canary",
      }),
    { timeout: 30_000, interval: 500 },
  );
  note(`${domain} → ${to}${weight ? ` ${weight} %` : ""}`);
}

/** What the last rollback's write fence did (from its audit row). */
async function fenceOf(domain: DomainName) {
  const { rows } = await p.control.pool.query(
    "select after->'fence' as fence from audit_log where action = 'migration.rollback' and target = $1 order by id desc limit 1",
    [`domain:${domain}`],
  );
  expect(rows[0]?.fence?.drained, `${domain}'s rollback drained before the flip`).toBe(true);
  return rows[0]?.fence;
}

async function verificationsClean(domains: readonly DomainName[]) {
  const overview = await p.control.viewer.data.overview();
  for (const domain of domains) {
    const status = overview.find((s) => s.domain === domain);
    expect(status?.backfill.status, `${domain} backfill`).toBe("complete");
    expect(status?.lastVerification?.status, `${domain} verification`).toBe("done");
    expect(
      status?.lastVerification?.differences,
      `${domain} differences: ${JSON.stringify(status?.lastVerification?.details)}`,
    ).toBe(0);
  }
}

async function readThrough(path: string, side: "legacy" | "service") {
  const token = await issueServiceToken({
    key: testServiceKey,
    subject: "drill-operator",
    audience: "api-gateway",
    serviceType: "control-plane",
    permissions: ["gateway:force-side"],
  });
  const response = await fetch(`${p.gatewayUrl}${path}`, {
    headers: { "x-keiko-force-side": side, "x-keiko-operator-token": token },
  });
  return { status: response.status, body: await response.json() };
}

async function readBack(entity: Acknowledged, side: "legacy" | "service") {
  if (entity.kind === "user") {
    const { status, body } = await readThrough(`/api/identity/v1/users/${entity.id}`, side);
    return status === 200 && body.did === entity.did && body.displayName === entity.displayName;
  }
  if (entity.kind === "interaction") {
    const { status, body } = await readThrough(`/api/learning/v1/interactions/${entity.id}`, side);
    return status === 200 && body.tutorId === entity.tutorId && body.content === entity.content;
  }
  const { status, body } = await readThrough(
    `/api/passport/v1/passports/${entity.userId}/entries?kind=credential&limit=100`,
    side,
  );
  return (
    status === 200 &&
    body.items.some(
      (e: { id: string; title: string }) => e.id === entity.id && e.title === entity.title,
    )
  );
}

async function streamEvents(aggregate: string) {
  const entries = await p.redis.xrange(`${p.prefix}events:${aggregate}`, "-", "+");
  return entries.map(([, fields]) => {
    const payload = fields[fields.indexOf("payload") + 1] as string;
    return JSON.parse(payload) as {
      event_id: string;
      event_type: string;
      data: Record<string, string>;
    };
  });
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

describe("the migration drill", () => {
  it("moves identity, learning and passport through every state under load and loses nothing, doubles nothing", async () => {
    traffic = startTraffic(p.gatewayUrl, { clients: 4, pauseMs: 20 });
    await sleep(3_000); // data that exists before the migration starts

    for (const domain of DRILL_DOMAINS)
      await p.control.operator.data.backfill({ domain, action: "start" });
    await vi.waitFor(() => verificationsClean(DRILL_DOMAINS), { timeout: 60_000, interval: 500 });
    note("backfills complete and verified");

    // identity: canary, an operator's rollback, then all the way
    await move("identity", "shadow");
    await sleep(1_000);
    await move("identity", "canary", 50);
    await sleep(2_000);
    const { version } = await domainRow("identity");
    await p.control.operator.migration.rollback({
      domain: "identity",
      reason: "drill: operator rollback",
      expectedVersion: version,
    });
    note(`identity rolled back by an operator, fence ${JSON.stringify(await fenceOf("identity"))}`);
    await sleep(1_500);
    await move("identity", "shadow");
    await move("identity", "canary", 50);
    await sleep(1_500);
    await move("identity", "migrated");

    // learning: canary, slo-guard rolls it back on an SLO it cannot meet, then all the way
    await move("learning", "shadow");
    await sleep(1_000);
    await p.control.pool.query(
      `insert into slo_policies (domain, max_p99_ms, min_requests, window_seconds) values ('learning', 1, 3, 5)
       on conflict (domain) do update set max_p99_ms = 1, min_requests = 3, window_seconds = 5, enabled = true`,
    );
    await move("learning", "canary", 50);
    await vi.waitFor(async () => expect((await domainRow("learning")).state).toBe("legacy"), {
      timeout: 30_000,
      interval: 200,
    });
    expect((await domainRow("learning")).updatedBy).toBe("slo-guard");
    note(`learning rolled back by slo-guard, fence ${JSON.stringify(await fenceOf("learning"))}`);
    await p.control.pool.query(
      "update slo_policies set max_p99_ms = 10000 where domain = 'learning'",
    );
    await sleep(1_000);
    await move("learning", "shadow");
    await move("learning", "canary", 50);
    await sleep(1_500);
    await move("learning", "migrated");

    // passport: straight through
    await move("passport", "shadow");
    await sleep(1_000);
    await move("passport", "canary", 50);
    await sleep(1_500);
    await move("passport", "migrated");
    await sleep(2_000);
    await traffic.stop();
    note(`traffic stopped: ${JSON.stringify(traffic.stats)}`);

    // once the lag has passed: every domain verified again, from scratch
    for (const domain of DRILL_DOMAINS) await p.control.operator.data.verify({ domain });
    await vi.waitFor(
      async () => {
        const overview = await p.control.viewer.data.overview();
        for (const domain of DRILL_DOMAINS) {
          const status = overview.find((s) => s.domain === domain);
          expect(status?.verificationInFlight, domain).toBe(false);
        }
      },
      { timeout: 60_000, interval: 500 },
    );
    const overview = await p.control.viewer.data.overview();
    // Reputation stays on legacy while learning is split: its score rows have one writer (legacy,
    // in the write's transaction or by its effects consumer), so no increment loses a conflict.
    for (const domain of DRILL_DOMAINS) {
      const last = overview.find((s) => s.domain === domain)?.lastVerification;
      expect({
        domain,
        status: last?.status,
        differences: last?.differences,
        details: last?.details,
      }).toEqual({
        domain,
        status: "done",
        differences: 0,
        details: [],
      });
    }

    const acknowledged = traffic.acknowledged;
    const kinds = countBy(acknowledged, (a) => a.kind);
    note(`acknowledged: ${JSON.stringify(Object.fromEntries(kinds))}`);
    expect(kinds.get("user") ?? 0).toBeGreaterThan(30);
    expect(kinds.get("interaction") ?? 0).toBeGreaterThan(30);
    expect(kinds.get("credential") ?? 0).toBeGreaterThan(30);

    // invariant 1 (and 4): every acknowledged entity is on both sides, as the client wrote it
    for (const side of ["service", "legacy"] as const) {
      const missing: Acknowledged[] = [];
      for (const entity of acknowledged) if (!(await readBack(entity, side))) missing.push(entity);
      expect(missing, `missing on ${side}`).toEqual([]);
    }

    // invariant 2: each business fact published once, by event id and by business key
    const users = acknowledged.filter((a) => a.kind === "user");
    const interactions = acknowledged.filter((a) => a.kind === "interaction");
    const credentials = acknowledged.filter((a) => a.kind === "credential");
    await vi.waitFor(
      async () => {
        const registered = await streamEvents("user");
        expect(new Set(registered.map((e) => e.event_id)).size).toBe(registered.length);
        const byUser = countBy(registered, (e) => e.data.user_id as string);
        expect(users.filter((u) => byUser.get(u.id) !== 1)).toEqual([]);
        const created = await streamEvents("interaction");
        expect(new Set(created.map((e) => e.event_id)).size).toBe(created.length);
        const byInteraction = countBy(created, (e) => e.data.interaction_id as string);
        expect(interactions.filter((i) => byInteraction.get(i.id) !== 1)).toEqual([]);
        // invariant 3: each effect once — a registration entry per user, an entry per interaction
        const entries = await streamEvents("passport");
        expect(new Set(entries.map((e) => e.event_id)).size).toBe(entries.length);
        const byEntry = countBy(entries, (e) => e.data.entry_id as string);
        expect([...byEntry.values()].filter((n) => n !== 1)).toEqual([]);
        const registrations = countBy(
          entries.filter((e) => e.data.kind === "registration"),
          (e) => e.data.user_id as string,
        );
        expect(users.filter((u) => registrations.get(u.id) !== 1)).toEqual([]);
        expect(credentials.filter((c) => byEntry.get(c.id) !== 1)).toEqual([]);
        const scores = await streamEvents("reputation_score");
        const byCause = countBy(
          scores,
          (e) => `${e.data.cause}:${e.data.cause_id}:${e.data.user_id}`,
        );
        expect([...byCause.entries()].filter(([, n]) => n > 1)).toEqual([]);
      },
      { timeout: 20_000, interval: 500 },
    );

    // invariant 3 for an aggregate: each tutor's score counts each interaction once, on both sides
    const taught = countBy(interactions, (i) => (i as { tutorId: string }).tutorId);
    for (const [side, pool, table] of [
      ["legacy", p.legacy, "reputation_scores"],
      ["service", p.service("reputation"), "scores"],
    ] as const) {
      const { rows } = await pool.query(
        `select user_id, interaction_count::int as n from ${table} where interaction_count > 0`,
      );
      const counted = new Map(rows.map((r) => [r.user_id as string, r.n as number]));
      const wrong = [...taught].filter(([tutor, n]) => counted.get(tutor) !== n);
      expect(
        wrong.map(([tutor, n]) => `${tutor}: ${n} taught, ${counted.get(tutor)} counted`),
        `tutor scores on ${side}`,
      ).toEqual([]);
    }

    // every user has exactly one passport, with one registration entry, on both sides
    const { rows: legacyRegistrations } = await p.legacy.query(
      "select user_id, count(*)::int as n from passport_entries where kind = 'registration' group by user_id",
    );
    const { rows: serviceRegistrations } = await p
      .service("passport")
      .query(
        "select e.user_id, count(*)::int as n from passport_entries e join passports p on p.user_id = e.user_id where e.kind = 'registration' group by e.user_id",
      );
    for (const rows of [legacyRegistrations, serviceRegistrations]) {
      const byUser = new Map(rows.map((r) => [r.user_id as string, r.n as number]));
      expect(users.filter((u) => byUser.get(u.id) !== 1)).toEqual([]);
    }
    console.log(`migration drill:\n  ${log.join("\n  ")}`);
  }, 300_000);
});
