import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { databaseUrlFor } from "@/lib/config/parse-env";
import { prepareDatabases, seedControl } from "@/scripts/launcher/databases";
import { embeddedPostgresEntry, embeddedPostgresUrl } from "@/scripts/launcher/embedded-postgres";
import { pickPort } from "@/scripts/launcher/free-port";
import { randomSecret } from "@/scripts/launcher/secret-file";
import { Supervisor } from "@/scripts/launcher/supervisor";

/**
 * Faults of the data sync on a PostgreSQL cluster of this test's own (it is restarted here, so
 * it cannot be the one other tests share): the worker SIGKILLed mid-backfill and mid-stream,
 * and the server restarted under it. Nothing acknowledged may be lost, nothing left behind.
 */

let dir: string;
let serverUrl: string;
let clusterEntry: ReturnType<typeof embeddedPostgresEntry>;
let supervisor: Supervisor;
const pools: pg.Pool[] = [];
let legacy: pg.Pool;
let identity: pg.Pool;
let control: pg.Pool;

function pool(database: string): pg.Pool {
  const created = new pg.Pool({ connectionString: databaseUrlFor(serverUrl, database), max: 3 });
  created.on("error", () => undefined);
  pools.push(created);
  return created;
}

async function startCluster() {
  supervisor = new Supervisor(() => {});
  await supervisor.start(clusterEntry);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "keiko-sync-faults-"));
  await chmod(dir, 0o755);
  const port = await pickPort(0);
  const password = randomSecret(18);
  serverUrl = embeddedPostgresUrl(port, password);
  clusterEntry = embeddedPostgresEntry({
    dataDir: path.join(dir, "pg"),
    port,
    password,
    write: () => {},
  });
  await startCluster();
  await prepareDatabases(serverUrl, process.cwd(), [
    "keiko_control",
    "keiko_legacy",
    "keiko_identity",
  ]);
  await seedControl(databaseUrlFor(serverUrl, "keiko_control"), {
    username: "admin",
    password: randomSecret(18),
  });
  legacy = pool("keiko_legacy");
  identity = pool("keiko_identity");
  control = pool("keiko_control");
}, 120_000);

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
  await supervisor?.stopAll();
  await rm(dir, { recursive: true, force: true });
});

function startWorker(): { child: ChildProcess; exited: Promise<void> } {
  const child = spawn(process.execPath, ["--import", "tsx", "workers/data-sync.ts"], {
    cwd: process.cwd(),
    env: {
      ...process.env,
      DATABASE_URL: serverUrl,
      DATA_SYNC_DOMAINS: "identity",
      DATA_SYNC_AUTO_BACKFILL: "1",
      DATA_SYNC_CHUNK_SIZE: "200",
      DATA_SYNC_IDLE_MS: "50",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return { child, exited };
}

async function sigkill(worker: { child: ChildProcess; exited: Promise<void> }) {
  worker.child.kill("SIGKILL");
  await worker.exited;
}

async function backfill() {
  const { rows } = await control.query(
    "select status, phase, last_key, rows_copied::int as copied, rows_total::int as total from data_backfills where domain = 'identity'",
  );
  return rows[0] as
    | { status: string; last_key: unknown; copied: number; total: number }
    | undefined;
}

async function ids(db: pg.Pool): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>("select id from users");
  return new Set(rows.map((r) => r.id));
}

describe("the data sync under faults", () => {
  it("resumes a backfill from its checkpoint after a SIGKILL, and copies every row once", async () => {
    await legacy.query(
      `insert into users (id, did, display_name, roles, created_at)
       select gen_random_uuid(), 'did:key:seed' || i, 'Seed ' || i, '{student}', now()
       from generate_series(1, 6000) i`,
    );
    // rows from before capture existed: only the backfill can bring them
    await legacy.query("delete from sync_changes");
    // slow enough to be caught mid-copy
    await control.query(
      "insert into data_backfills (domain, throttle_rows_per_second) values ('identity', 2000) on conflict (domain) do update set throttle_rows_per_second = 2000",
    );
    const first = startWorker();
    await vi.waitFor(async () => expect((await backfill())?.copied ?? 0).toBeGreaterThan(1000), {
      timeout: 30_000,
      interval: 50,
    });
    await sigkill(first);
    const killedAt = await backfill();
    expect(killedAt?.status).toBe("running");
    expect(killedAt?.copied).toBeLessThan(6000);
    expect(killedAt?.last_key).toHaveProperty("id");
    await control.query(
      "update data_backfills set throttle_rows_per_second = 0 where domain = 'identity'",
    );

    const second = startWorker();
    try {
      await vi.waitFor(async () => expect((await backfill())?.status).toBe("complete"), {
        timeout: 60_000,
        interval: 100,
      });
      const after = await backfill();
      // the restart repeats at most the chunk in flight, never the whole copy
      expect(after?.copied).toBeLessThanOrEqual(6000 + 200);
      expect(after?.copied).toBeGreaterThanOrEqual(6000);
      expect(await ids(identity)).toEqual(await ids(legacy));
    } finally {
      await sigkill(second);
    }
  }, 120_000);

  it("loses no change when the worker is SIGKILLed mid-stream and PostgreSQL restarts under it", async () => {
    const worker = { current: startWorker() };
    const acknowledged = { legacy: [] as string[], service: [] as string[] };
    let writing = true;
    const writer = async (db: pg.Pool, into: string[]) => {
      while (writing) {
        const id = randomUUID();
        try {
          await db.query(
            "insert into users (id, did, display_name, roles) values ($1, $2, 'Live', '{tutor}')",
            [id, `did:key:${id}`],
          );
          into.push(id); // acknowledged: the commit returned
        } catch {
          await sleep(50); // the server is restarting: not acknowledged, not expected
        }
      }
    };
    const writers = [writer(legacy, acknowledged.legacy), writer(identity, acknowledged.service)];
    try {
      await sleep(800);
      await sigkill(worker.current);
      await sleep(400);
      worker.current = startWorker();
      await sleep(800);
      await supervisor.stopAll(); // PostgreSQL goes down under the worker and the writers
      await sleep(500);
      await startCluster();
      await sleep(1_500);
      writing = false;
      await Promise.all(writers);
      expect(acknowledged.legacy.length).toBeGreaterThan(50);
      expect(acknowledged.service.length).toBeGreaterThan(50);
      await vi.waitFor(
        async () => {
          const onService = await ids(identity);
          const onLegacy = await ids(legacy);
          expect(acknowledged.legacy.filter((id) => !onService.has(id))).toEqual([]);
          expect(acknowledged.service.filter((id) => !onLegacy.has(id))).toEqual([]);
          expect(onService).toEqual(onLegacy);
        },
        { timeout: 30_000, interval: 200 },
      );
      const { rows: left } = await legacy.query("select count(*)::int as n from sync_changes");
      expect(left[0].n).toBe(0);
    } finally {
      writing = false;
      await sigkill(worker.current);
    }
  }, 120_000);
});
