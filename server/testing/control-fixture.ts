import { Redis } from "ioredis";
import { DOMAIN_NAMES, type DomainName } from "@/lib/contracts/domains";
import type { OperatorRole } from "@/lib/contracts/operators";
import { writeParityCounts } from "@/lib/parity/parity-store";
import { createTestDatabase } from "@/lib/testing/test-database";
import { createControlDb } from "@/server/db/client";
import { seedDomains } from "@/server/migration/domain-catalog";
import { createOperator, type Operator } from "@/server/operators/operator-service";
import { createCaller } from "@/server/routers/index";
import { createContext } from "@/server/trpc";

/**
 * A migrated, seeded keiko_control of its own, with one operator per role and a tRPC caller
 * for each (plus `anonymous`, with no session). Call `close()` in afterAll.
 */
export async function createControlFixture() {
  const database = await createTestDatabase("control");
  const { db, pool } = createControlDb(database.url);
  await seedDomains(db);
  const people: Record<OperatorRole, Operator> = {} as Record<OperatorRole, Operator>;
  for (const role of ["viewer", "operator", "admin"] as const) {
    const created = await createOperator(db, "system", {
      username: `test-${role}`,
      displayName: `Test ${role}`,
      role,
      password: "correct horse battery staple",
    });
    people[role] = {
      id: created.id,
      username: created.username,
      displayName: created.displayName,
      role,
    };
  }
  const redis = new Redis(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
  const bus = { redis, prefix: `test:${database.name}:` };
  // As a healthy data sync worker does: a beat with nothing pending, every 50 ms (dataReady()).
  let beat: NodeJS.Timeout | null = null;
  const startBeat = () => {
    beat ??= setInterval(() => {
      pool
        .query("update data_sync_status set heartbeat_at = clock_timestamp() where pending = 0")
        .catch(() => undefined);
    }, 50);
  };
  const callerFor = (operator: Operator | null) => createCaller(createContext(db, bus, operator));
  return {
    /** The test database's name and URL, for processes that connect on their own (a gateway). */
    database: { name: database.name, url: database.url },
    db,
    pool,
    bus,
    people,
    callerFor,
    anonymous: callerFor(null),
    viewer: callerFor(people.viewer),
    operator: callerFor(people.operator),
    admin: callerFor(people.admin),
    /** Writes shadow parity counts as the gateway would. */
    async setParity(domain: DomainName, matched: number, mismatched: number) {
      await writeParityCounts(redis, bus.prefix, domain, { matched, mismatched });
    },
    /**
     * Makes the data gate pass for `domains` as a healthy data sync would leave it: backfill
     * complete, a fresh beat with nothing pending each way, a clean verification just now.
     */
    async dataReady(...domains: DomainName[]) {
      const names = domains.length > 0 ? domains : DOMAIN_NAMES;
      for (const domain of names) {
        await pool.query(
          `insert into data_backfills (domain, status, rows_copied, rows_total, finished_at)
           values ($1, 'complete', 10, 10, now())
           on conflict (domain) do update set status = 'complete', finished_at = now()`,
          [domain],
        );
        await pool.query(
          `insert into data_sync_status (domain, direction, pending, heartbeat_at)
           values ($1, 'legacy_to_service', 0, now()), ($1, 'service_to_legacy', 0, now())
           on conflict (domain, direction) do update set pending = 0, oldest_pending_ms = 0,
             heartbeat_at = now()`,
          [domain],
        );
        await pool.query(
          `insert into data_verifications (domain, status, requested_by, started_at, finished_at, rows_compared, chunks)
           values ($1, 'done', 'test', now(), now(), 10, 1)`,
          [domain],
        );
      }
      startBeat();
    },
    async close() {
      if (beat) clearInterval(beat);
      const keys = await redis.keys(`${bus.prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await pool.end();
      await database.drop();
    },
  };
}

export type ControlFixture = Awaited<ReturnType<typeof createControlFixture>>;
