import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ControlFixture, createControlFixture } from "@/server/testing/control-fixture";

let fx: ControlFixture;

beforeAll(async () => {
  fx = await createControlFixture();
});
afterAll(async () => {
  await fx?.close();
});

async function place(domain: string, state: string, weight = 0) {
  await fx.pool.query(
    "update domains set state = $2, canary_weight = $3, write_fence = false where name = $1",
    [domain, state, weight],
  );
  const { rows } = await fx.pool.query("select version from domains where name = $1", [domain]);
  return rows[0].version as number;
}

async function lastAudit(action: string) {
  const { rows } = await fx.pool.query(
    "select actor, target, after from audit_log where action = $1 order by id desc limit 1",
    [action],
  );
  return rows[0];
}

describe("data procedures", () => {
  it("lets a viewer read every domain's data status but change nothing", async () => {
    const overview = await fx.viewer.data.overview();
    expect(overview.map((d) => d.domain)).toContain("identity");
    await expect(
      fx.viewer.data.backfill({ domain: "identity", action: "start" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(fx.viewer.data.verify({ domain: "identity" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(fx.anonymous.data.overview()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("starts, pauses and resumes a backfill, each audited with its actor, and refuses a wrong order", async () => {
    await fx.operator.data.backfill({ domain: "governance", action: "start" });
    expect(await lastAudit("data.backfill.start")).toMatchObject({
      actor: "test-operator",
      target: "domain:governance",
    });
    await expect(
      fx.operator.data.backfill({ domain: "governance", action: "start" }),
    ).rejects.toThrow(/cannot start the backfill of governance: it is running/);
    await fx.operator.data.backfill({ domain: "governance", action: "pause" });
    await expect(
      fx.operator.data.backfill({ domain: "governance", action: "pause" }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    await fx.operator.data.backfill({ domain: "governance", action: "resume" });
    expect(await lastAudit("data.backfill.resume")).toMatchObject({ after: { status: "running" } });
    const status = await fx.viewer.data.status({ domain: "governance" });
    expect(status?.backfill.status).toBe("running");
  });

  it("validates a throttle and audits it", async () => {
    await expect(
      fx.operator.data.throttle({ domain: "governance", rowsPerSecond: -1 }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await fx.operator.data.throttle({ domain: "governance", rowsPerSecond: 500 });
    expect(await lastAudit("data.backfill.throttle")).toMatchObject({
      after: { rowsPerSecond: 500 },
    });
  });

  it("asks for one verification at a time", async () => {
    const first = await fx.operator.data.verify({ domain: "marketplace" });
    const second = await fx.operator.data.verify({ domain: "marketplace" });
    expect(first.alreadyRequested).toBe(false);
    expect(second).toEqual({ id: first.id, alreadyRequested: true });
    expect(await lastAudit("data.verify")).toMatchObject({
      actor: "test-operator",
      target: "domain:marketplace",
    });
  });

  it("marks quarantined changes for a retry, audited with the count", async () => {
    await expect(fx.operator.data.retry({ domain: "reputation" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await fx.pool.query(
      `insert into data_quarantine (domain, direction, table_name, row_key, op, row_image, error)
       values ('reputation', 'legacy_to_service', 'ratings', '{"id":"x"}', 'upsert', '{}', 'check violation')`,
    );
    const page = await fx.viewer.data.quarantine({ domain: "reputation" });
    expect(page.items).toHaveLength(1);
    expect(await fx.operator.data.retry({ domain: "reputation" })).toEqual({ count: 1 });
    expect(await lastAudit("data.quarantine.retry")).toMatchObject({ after: { count: 1 } });
    const { rows } = await fx.pool.query(
      "select status from data_quarantine where domain = 'reputation'",
    );
    expect(rows[0].status).toBe("retry_requested");
  });
});

describe("the data gate on shadow → canary and canary → migrated", () => {
  beforeEach(async () => {
    await fx.pool.query("delete from data_verifications where domain = 'passport'");
    await fx.pool.query("delete from data_sync_status where domain = 'passport'");
    await fx.pool.query("delete from data_backfills where domain = 'passport'");
    await fx.setParity("passport", 500, 0);
  });

  it("refuses while the data is not there, saying why", async () => {
    const version = await place("passport", "shadow");
    const call = fx.operator.migration.transition({
      domain: "passport",
      to: "canary",
      weight: 10,
      reason: "go on",
      expectedVersion: version,
    });
    await expect(call).rejects.toThrow(
      /the data of passport is not ready: the backfill is not started .*the data sync is not running; the data has not been verified yet/,
    );
  });

  it("refuses on lag above the bound, on differences, and on a verification too old", async () => {
    await fx.dataReady("passport");
    const version = await place("passport", "canary", 50);
    await fx.pool.query(
      "update data_sync_status set pending = 40, oldest_pending_ms = 9000 where domain = 'passport' and direction = 'service_to_legacy'",
    );
    await expect(
      fx.operator.migration.transition({
        domain: "passport",
        to: "migrated",
        reason: "go on",
        expectedVersion: version,
      }),
    ).rejects.toThrow(/the sync lag is 9000 ms, above the 2000 ms allowed/);
    await fx.dataReady("passport");
    await fx.pool.query("update data_verifications set differences = 3 where domain = 'passport'");
    await expect(
      fx.operator.migration.transition({
        domain: "passport",
        to: "migrated",
        reason: "go on",
        expectedVersion: version,
      }),
    ).rejects.toThrow(/the last verification found 3 differences/);
    await fx.pool.query(
      "update data_verifications set differences = 0, finished_at = now() - interval '2 hours' where domain = 'passport'",
    );
    await expect(
      fx.operator.migration.transition({
        domain: "passport",
        to: "migrated",
        reason: "go on",
        expectedVersion: version,
      }),
    ).rejects.toThrow(/the last clean verification is \d+ s old \(at most 900 s\)/);
  });

  it("lets only an admin override, and audits what it overrode", async () => {
    const version = await place("passport", "shadow");
    await expect(
      fx.operator.migration.transition({
        domain: "passport",
        to: "canary",
        weight: 10,
        reason: "go on",
        expectedVersion: version,
        overrideData: true,
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await fx.admin.migration.transition({
      domain: "passport",
      to: "canary",
      weight: 10,
      reason: "data checked by hand",
      expectedVersion: version,
      overrideData: true,
    });
    const audit = await lastAudit("migration.transition");
    expect(audit.after.dataGate.overridden).toBe(true);
    expect(audit.after.dataGate.problems.length).toBeGreaterThan(0);
  });

  it("lets a domain whose data is backfilled, in sync and verified through", async () => {
    await fx.dataReady("passport");
    const version = await place("passport", "shadow");
    const moved = await fx.operator.migration.transition({
      domain: "passport",
      to: "canary",
      weight: 10,
      reason: "ready",
      expectedVersion: version,
    });
    expect(moved.state).toBe("canary");
    expect((await lastAudit("migration.transition")).after.dataGate).toEqual({
      problems: [],
      overridden: false,
    });
  });
});

describe("a rollback behind the write fence", () => {
  it("fences writes until the service → legacy sync has drained, then flips and lifts the fence", async () => {
    await fx.dataReady("learning");
    const version = await place("learning", "canary", 50);
    await fx.pool.query(
      "update data_sync_status set pending = 12 where domain = 'learning' and direction = 'service_to_legacy'",
    );
    const started = Date.now();
    const rollback = fx.operator.migration.rollback({
      domain: "learning",
      reason: "bad canary",
      expectedVersion: version,
    });
    await sleep(150);
    const { rows: during } = await fx.pool.query(
      "select state, write_fence from domains where name = 'learning'",
    );
    expect(during[0]).toEqual({ state: "canary", write_fence: true });
    await sleep(250);
    // the worker applies the last changes and beats with nothing pending
    await fx.pool.query(
      "update data_sync_status set pending = 0, heartbeat_at = clock_timestamp() where domain = 'learning'",
    );
    const row = await rollback;
    const waited = Date.now() - started;
    expect(row).toMatchObject({ state: "legacy", writeFence: false });
    expect(waited).toBeGreaterThanOrEqual(400);
    const audit = await lastAudit("migration.rollback");
    expect(audit.after.fence.drained).toBe(true);
    expect(audit.after.fence.fenceMs).toBeGreaterThanOrEqual(400);
  });

  it("does not wait for a data sync that is not running, and says so in the audit", async () => {
    const version = await place("identity", "migrated", 100);
    await fx.pool.query("delete from data_sync_status where domain = 'identity'");
    await fx.operator.migration.rollback({
      domain: "identity",
      reason: "back",
      expectedVersion: version,
    });
    const audit = await lastAudit("migration.rollback");
    expect(audit.after.fence).toMatchObject({
      drained: false,
      note: expect.stringMatching(/not running/),
    });
    expect(audit.after.fence.fenceMs).toBeLessThan(1000);
  });

  it("refuses a stale version before raising the fence", async () => {
    await place("governance", "canary", 10);
    await fx.pool.query("update domains set version = version + 5 where name = 'governance'");
    const { rows: now } = await fx.pool.query(
      "select version from domains where name = 'governance'",
    );
    const version = now[0].version as number;
    await expect(
      fx.operator.migration.rollback({
        domain: "governance",
        reason: "back",
        expectedVersion: version - 1,
      }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    const { rows } = await fx.pool.query(
      "select write_fence from domains where name = 'governance'",
    );
    expect(rows[0].write_fence).toBe(false);
  });
});
