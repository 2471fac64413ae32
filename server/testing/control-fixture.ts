import { Redis } from "ioredis";
import type { DomainName } from "@/lib/contracts/domains";
import type { OperatorRole } from "@/lib/contracts/operators";
import { parityCountsKey } from "@/lib/parity/parity-store";
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
  const callerFor = (operator: Operator | null) => createCaller(createContext(db, bus, operator));
  return {
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
      await redis.hset(parityCountsKey(bus.prefix, domain), { matched, mismatched });
    },
    async close() {
      const keys = await redis.keys(`${bus.prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await pool.end();
      await database.drop();
    },
  };
}

export type ControlFixture = Awaited<ReturnType<typeof createControlFixture>>;
