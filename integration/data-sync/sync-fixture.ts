import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import pino from "pino";
import type { DomainName } from "@/lib/contracts/domains";
import { backlogOf } from "@/lib/data-sync/change-log";
import { type DomainSides, domainSides } from "@/lib/data-sync/domain-sides";
import { type EngineOptions, SyncEngine } from "@/lib/data-sync/sync-engine";
import { DOMAIN_TRANSLATORS } from "@/lib/data-sync/translators/registry";
import { createTestDatabase } from "@/lib/testing/test-database";
import { createControlDb } from "@/server/db/client";
import { seedDomains } from "@/server/migration/domain-catalog";

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

/**
 * keiko_control, keiko_legacy and the services of `domains`, each a fresh test database with its
 * migrations, plus a SyncEngine over them. `close()` ends the pools and drops the databases.
 */
export async function createSyncFixture(
  domains: readonly DomainName[],
  options: Partial<EngineOptions> = {},
) {
  const databases: TestDatabase[] = [];
  const pools: pg.Pool[] = [];
  const open = async (folder: string) => {
    const database = await createTestDatabase(folder);
    databases.push(database);
    const pool = new pg.Pool({ connectionString: database.url, max: 4 });
    pools.push(pool);
    return { database, pool };
  };
  const control = await open("control");
  const { db, pool: seedPool } = createControlDb(control.database.url, 1);
  await seedDomains(db);
  await seedPool.end();
  const legacy = await open("legacy");
  const services = new Map<DomainName, { database: TestDatabase; pool: pg.Pool }>();
  const sides = new Map<DomainName, DomainSides>();
  for (const domain of domains) {
    const service = await open(domain);
    services.set(domain, service);
    sides.set(
      domain,
      domainSides(DOMAIN_TRANSLATORS[domain], {
        control: control.pool,
        legacy: legacy.pool,
        service: service.pool,
      }),
    );
  }
  const engineOptions: EngineOptions = {
    batchSize: 500,
    chunkSize: 100,
    maxBatchesPerTick: 4,
    autoBackfill: false,
    verifyIntervalMs: 3_600_000,
    verify: { chunkSize: 50, recheckAttempts: 2, recheckDelayMs: 50, maxDetails: 50 },
    log: pino({ level: "silent" }),
    ...options,
  };
  const engine = new SyncEngine(sides, control.pool, engineOptions);

  /** Changes captured on either side and not applied yet (committed or not). */
  async function backlog(): Promise<number> {
    let total = 0;
    for (const side of sides.values()) {
      const legacyTables = side.translator.tables.map((t) => t.legacy.table);
      const serviceTables = side.translator.tables.map((t) => t.service.table);
      total += (await backlogOf(side.legacy, legacyTables)).pending;
      total += (await backlogOf(side.service, serviceTables)).pending;
    }
    return total;
  }

  /**
   * Ticks until a whole pass finds nothing to do and nothing is captured but not applied. A
   * transaction still open anywhere on the server (other tests share it) holds changes back, so
   * this waits for the backlog rather than trusting one idle pass. Bounded.
   */
  async function settle(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const busy = await engine.tick();
      if (!busy && (await backlog()) === 0) {
        await engine.idle();
        return;
      }
      if (!busy) await sleep(20);
    }
    throw new Error(`the sync did not settle in ${timeoutMs} ms`);
  }

  function service(domain: DomainName): pg.Pool {
    const found = services.get(domain);
    if (!found) throw new Error(`the fixture has no ${domain} service`);
    return found.pool;
  }

  return {
    control: control.pool,
    legacy: legacy.pool,
    service,
    sides,
    engine,
    settle,
    urls: {
      control: control.database.url,
      legacy: legacy.database.url,
      services: Object.fromEntries([...services].map(([d, s]) => [d, s.database.url])),
    },
    names: {
      control: control.database.name,
      legacy: legacy.database.name,
      services: Object.fromEntries([...services].map(([d, s]) => [d, s.database.name])),
    },
    async close() {
      await Promise.all(pools.map((pool) => pool.end()));
      await Promise.all(databases.map((database) => database.drop()));
    },
  };
}

export type SyncFixture = Awaited<ReturnType<typeof createSyncFixture>>;
