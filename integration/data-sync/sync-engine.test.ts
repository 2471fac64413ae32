import { randomUUID } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSyncFixture, type SyncFixture } from "./sync-fixture";

let fx: SyncFixture;

beforeAll(async () => {
  fx = await createSyncFixture(["identity", "reputation", "governance"]);
});
afterAll(async () => {
  await fx?.close();
});

async function insertLegacyUser(id = randomUUID(), name = "Ada") {
  await fx.legacy.query(
    `insert into users (id, did, display_name, roles, created_at)
     values ($1, $2, $3, '{tutor}', now())`,
    [id, `did:key:${id}`, name],
  );
  return id;
}

async function serviceUser(id: string) {
  const { rows } = await fx.service("identity").query("select * from users where id = $1", [id]);
  return rows[0];
}

async function startBackfill(domain: string) {
  await fx.control.query(
    "update data_backfills set status = 'running', started_at = now() where domain = $1",
    [domain],
  );
}

async function verify(domain: string) {
  const { rows } = await fx.control.query(
    "insert into data_verifications (domain, requested_by) values ($1, 'test') returning id",
    [domain],
  );
  await fx.settle();
  for (let i = 0; i < 100; i += 1) {
    const { rows: done } = await fx.control.query(
      "select * from data_verifications where id = $1 and status in ('done', 'failed')",
      [rows[0].id],
    );
    if (done[0]) return done[0];
    await fx.engine.tick();
    await fx.engine.idle();
  }
  throw new Error("verification did not finish");
}

describe("the data sync between legacy and the services", () => {
  it("backfills every legacy row in chunks, resumes from its checkpoint, and verifies clean", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 250; i += 1) ids.push(await insertLegacyUser(randomUUID(), `User ${i}`));
    // rows written before capture existed reach the service only through the backfill
    await fx.legacy.query("delete from sync_changes");
    await fx.engine.tick(); // creates the backfill rows
    await startBackfill("identity");
    await fx.engine.tick(); // one chunk of 100
    const { rows: mid } = await fx.control.query(
      "select status, phase, last_key, rows_copied, rows_total from data_backfills where domain = 'identity'",
    );
    expect(mid[0]).toMatchObject({
      status: "running",
      phase: "table:users",
      rows_copied: "100",
      rows_total: "250",
    });
    expect(mid[0].last_key).toHaveProperty("id");
    await fx.settle();
    const { rows: done } = await fx.control.query(
      "select status, rows_copied from data_backfills where domain = 'identity'",
    );
    expect(done[0]).toMatchObject({ status: "complete", rows_copied: "250" });
    const { rows: count } = await fx
      .service("identity")
      .query("select count(*)::int as n from users");
    expect(count[0].n).toBe(250);
    const report = await verify("identity");
    expect(report).toMatchObject({ status: "done", differences: 0 });
    expect(Number(report.rows_compared)).toBe(250);
  });

  it("copies a chunk in SQL, and copies a chunk the service refuses row by row, quarantining only the bad row", async () => {
    const subject = await insertLegacyUser();
    await fx.settle();
    const good = Array.from({ length: 30 }, () => randomUUID());
    const bad = randomUUID();
    for (const id of [...good, bad]) {
      await fx.legacy.query(
        "insert into ratings (id, rater_id, subject_id, stars) values ($1, $2, $2, $3)",
        [id, subject, id === bad ? 9 : 4],
      );
    }
    await fx.legacy.query("delete from sync_changes"); // rows only the backfill can bring
    await startBackfill("reputation");
    await fx.settle();
    const { rows } = await fx
      .service("reputation")
      .query("select count(*)::int as n from ratings where id = any($1::uuid[])", [[...good, bad]]);
    expect(rows[0].n).toBe(30);
    const { rows: quarantined } = await fx.control.query(
      "select row_key, error from data_quarantine where domain = 'reputation' and row_key = $1::jsonb",
      [JSON.stringify({ id: bad })],
    );
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0].error).toMatch(/ratings_stars_1_to_5/);
    const { rows: done } = await fx.control.query(
      "select status from data_backfills where domain = 'reputation'",
    );
    expect(done[0].status).toBe("complete");
  });

  it("streams a hand edit in psql (insert, update, delete) to the service, and never echoes it back", async () => {
    const id = await insertLegacyUser();
    await fx.settle();
    expect(await serviceUser(id)).toMatchObject({ display_name: "Ada" });
    await fx.legacy.query("update users set display_name = 'Ada L.' where id = $1", [id]);
    await fx.settle();
    expect(await serviceUser(id)).toMatchObject({ display_name: "Ada L." });
    const { rows: echoes } = await fx
      .service("identity")
      .query("select count(*)::int as n from sync_changes");
    expect(echoes[0].n).toBe(0);
    await fx.legacy.query("delete from users where id = $1", [id]);
    await fx.settle();
    expect(await serviceUser(id)).toBeUndefined();
  });

  it("carries a service's write back to legacy (the way a rollback keeps what the service took)", async () => {
    const id = randomUUID();
    await fx
      .service("identity")
      .query(
        `insert into users (id, did, display_name, roles) values ($1, $2, 'Grace', '{student}')`,
        [id, `did:key:${id}`],
      );
    await fx.settle();
    const { rows } = await fx.legacy.query("select display_name, roles from users where id = $1", [
      id,
    ]);
    expect(rows[0]).toEqual({ display_name: "Grace", roles: ["student"] });
    const { rows: echoes } = await fx.legacy.query("select count(*)::int as n from sync_changes");
    expect(echoes[0].n).toBe(0);
  });

  it("applies a child before its parent and composite keys (governance votes)", async () => {
    const proposer = await insertLegacyUser();
    const proposal = randomUUID();
    await fx.legacy.query(
      `insert into proposals (id, title, description, proposer_id, voting_starts_at, voting_ends_at)
       values ($1, 'Move', 'Move to services', $2, now(), now() + interval '1 day')`,
      [proposal, proposer],
    );
    await fx.legacy.query(
      `insert into votes (proposal_id, voter_id, choice, cast_at) values ($1, $2, 'yes', now())`,
      [proposal, proposer],
    );
    await fx.legacy.query("update proposals set yes_votes = 1 where id = $1", [proposal]);
    await fx.settle();
    const { rows } = await fx
      .service("governance")
      .query(
        "select p.yes_count, v.choice from proposals p join votes v on v.proposal_id = p.id where p.id = $1",
        [proposal],
      );
    expect(rows).toEqual([{ yes_count: 1, choice: "yes" }]);
  });

  it("copies a chunk straight into an empty range, and upserts legacy's image where the service already holds rows", async () => {
    const proposer = await insertLegacyUser();
    const ids = Array.from({ length: 40 }, () => randomUUID()).sort();
    for (const id of ids) {
      await fx.legacy.query(
        `insert into proposals (id, title, description, proposer_id, voting_starts_at, voting_ends_at)
         values ($1, 'Legacy title', 'd', $2, now(), now() + interval '1 day')`,
        [id, proposer],
      );
    }
    await fx.settle();
    // the service holds stale copies of a few of them (written as the sync, so not captured)
    const service = fx.service("governance");
    const stale = ids.filter((_, i) => i % 10 === 3);
    const client = await service.connect();
    try {
      await client.query("begin");
      await client.query("set local keiko.sync_origin = 'sync'");
      await client.query("update proposals set title = 'Stale' where id = any($1::uuid[])", [
        stale,
      ]);
      await client.query("delete from proposals where id = any($1::uuid[])", [ids.slice(20)]);
      await client.query("commit");
    } finally {
      client.release();
    }
    await fx.legacy.query("delete from sync_changes"); // only the backfill can repair them
    await startBackfill("governance");
    await fx.settle();
    const { rows } = await service.query(
      "select title, count(*)::int as n from proposals where id = any($1::uuid[]) group by title",
      [ids],
    );
    expect(rows).toEqual([{ title: "Legacy title", n: 40 }]);
    const { rows: done } = await fx.control.query(
      "select status from data_backfills where domain = 'governance'",
    );
    expect(done[0].status).toBe("complete");
  });

  it("quarantines a legacy row the service's rules refuse, goes on with the rest, and applies it on retry after a fix", async () => {
    const subject = await insertLegacyUser();
    const bad = randomUUID();
    const good = randomUUID();
    await fx.legacy.query(
      `insert into ratings (id, rater_id, subject_id, stars) values ($1, $3, $3, 7), ($2, $3, $3, 4)`,
      [bad, good, subject],
    );
    await fx.settle();
    const { rows: applied } = await fx
      .service("reputation")
      .query("select id from ratings where id = any($1::uuid[])", [[bad, good]]);
    expect(applied.map((r) => r.id)).toEqual([good]);
    const { rows: quarantined } = await fx.control.query(
      "select id, table_name, error, status, row_key from data_quarantine where domain = 'reputation' and row_key = $1::jsonb",
      [JSON.stringify({ id: bad })],
    );
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]).toMatchObject({
      table_name: "ratings",
      status: "open",
      row_key: { id: bad },
    });
    expect(quarantined[0].error).toMatch(/ratings_stars_1_to_5/);
    // the operator fixes the row in legacy, then asks for a retry
    await fx.legacy.query("delete from sync_changes");
    await fx.legacy.query("update ratings set stars = 5 where id = $1", [bad]);
    await fx.legacy.query("delete from sync_changes where table_name = 'ratings'");
    await fx.control.query("update data_quarantine set status = 'retry_requested' where id = $1", [
      quarantined[0].id,
    ]);
    await fx.settle();
    const { rows: after } = await fx.control.query(
      "select status, attempts from data_quarantine where id = $1",
      [quarantined[0].id],
    );
    expect(after[0]).toEqual({ status: "resolved", attempts: 2 });
    const { rows: fixed } = await fx
      .service("reputation")
      .query("select stars from ratings where id = $1", [bad]);
    expect(fixed[0].stars).toBe(5);
  });

  it("records the same row written on both sides within the lag as a conflict, and both sides converge on the later write", async () => {
    const id = await insertLegacyUser();
    await fx.settle();
    await fx.legacy.query("update users set display_name = 'legacy wrote first' where id = $1", [
      id,
    ]);
    await fx
      .service("identity")
      .query("update users set display_name = 'service wrote later' where id = $1", [id]);
    await fx.settle();
    const { rows: l } = await fx.legacy.query("select display_name from users where id = $1", [id]);
    const s = await serviceUser(id);
    expect(l[0].display_name).toBe("service wrote later");
    expect(s.display_name).toBe("service wrote later");
    const { rows: conflicts } = await fx.control.query(
      "select winner, legacy_image->>'display_name' as lost from data_conflicts where row_key = $1::jsonb",
      [JSON.stringify({ id })],
    );
    expect(conflicts).toEqual([{ winner: "service", lost: "legacy wrote first" }]);
  });

  it("judges two writes of one row in the same millisecond by their microseconds, and a true tie the same way in both directions", async () => {
    const capturedAt = async (id: string, legacyAt: string, serviceAt: string) => {
      const sides: Array<[pg.Pool, string]> = [
        [fx.legacy, legacyAt],
        [fx.service("identity"), serviceAt],
      ];
      for (const [pool, at] of sides) {
        await pool.query(
          "update sync_changes set captured_at = $2 where table_name = 'users' and row_key = $1::jsonb",
          [JSON.stringify({ id }), at],
        );
      }
    };
    const writeBoth = async (id: string) => {
      await fx.legacy.query("update users set display_name = 'legacy' where id = $1", [id]);
      await fx
        .service("identity")
        .query("update users set display_name = 'service' where id = $1", [id]);
    };
    const names = async (id: string) => {
      const { rows } = await fx.legacy.query("select display_name from users where id = $1", [id]);
      return [rows[0].display_name, (await serviceUser(id)).display_name];
    };

    const cases: Array<{ case: string; legacyAt: string; serviceAt: string; winner: string }> = [
      {
        case: "the service wrote 500 µs later, in the same millisecond",
        legacyAt: "2026-12-06 12:00:00.123400+00",
        serviceAt: "2026-12-06 12:00:00.123900+00",
        winner: "service",
      },
      {
        case: "legacy wrote 500 µs later, in the same millisecond",
        legacyAt: "2026-12-06 12:00:00.123900+00",
        serviceAt: "2026-12-06 12:00:00.123400+00",
        winner: "legacy",
      },
      {
        case: "the same microsecond: the service's, whichever direction runs first",
        legacyAt: "2026-12-06 12:00:00.123456+00",
        serviceAt: "2026-12-06 12:00:00.123456+00",
        winner: "service",
      },
    ];
    for (const { case: name, legacyAt, serviceAt, winner } of cases) {
      const id = await insertLegacyUser();
      await fx.settle();
      await writeBoth(id);
      await capturedAt(id, legacyAt, serviceAt);
      await fx.settle();
      expect(await names(id), name).toEqual([winner, winner]);
    }
  });

  it("never overwrites a client write that lands while the sync is applying the same row", async () => {
    const id = await insertLegacyUser();
    await fx.settle();
    await fx.legacy.query("update users set display_name = 'legacy wrote first' where id = $1", [
      id,
    ]);
    // the service's write holds the row's lock, uncommitted, when the sync's pass reaches the row
    const client = await fx.service("identity").connect();
    try {
      await client.query("begin");
      await client.query("update users set display_name = 'service wrote later' where id = $1", [
        id,
      ]);
      const pass = fx.engine.tick().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await client.query("commit");
      await pass;
    } finally {
      client.release();
    }
    await fx.settle();
    const { rows: l } = await fx.legacy.query("select display_name from users where id = $1", [id]);
    expect(l[0].display_name).toBe("service wrote later");
    expect((await serviceUser(id)).display_name).toBe("service wrote later");
  });

  it("reports a difference the sync did not carry, and only after re-checking it", async () => {
    const id = await insertLegacyUser();
    await fx.settle();
    // a write the capture never saw (as if made while the trigger was disabled)
    const client = await fx.service("identity").connect();
    try {
      await client.query("begin");
      await client.query("set local keiko.sync_origin = 'sync'");
      await client.query("update users set display_name = 'drifted' where id = $1", [id]);
      await client.query("commit");
    } finally {
      client.release();
    }
    const report = await verify("identity");
    expect(report.differences).toBe(1);
    expect(report.details[0]).toMatchObject({ table: "users", kind: "different", key: { id } });
    expect(report.details[0].service.display_name).toBe("drifted");
  });
});
