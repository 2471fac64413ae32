import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { databaseUrlFor } from "@/lib/config/parse-env";
import { dropDatabase, ensureDatabase } from "@/lib/db/admin";
import { testServerUrl } from "@/lib/testing/test-database";
import { makeShadowAware, runAsShadow } from "./shadow-run";

const name = `keiko_test_shadow_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
let pool: pg.Pool;
let db: ReturnType<typeof drizzle>;

beforeAll(async () => {
  await ensureDatabase(testServerUrl(), name);
  pool = makeShadowAware(
    new pg.Pool({ connectionString: databaseUrlFor(testServerUrl(), name), max: 3 }),
  );
  db = drizzle(pool);
  await pool.query("create table notes (id int primary key, body text not null)");
});

afterAll(async () => {
  await pool?.end();
  await dropDatabase(testServerUrl(), name);
});

beforeEach(async () => {
  await pool.query("truncate notes");
});

const insert = (id: number, body = `note ${id}`) =>
  sql`insert into notes (id, body) values (${id}, ${body})`;
const ids = async (on: Pick<typeof db, "execute"> = db) =>
  (await on.execute<{ id: number }>(sql`select id from notes order by id`)).rows.map((r) => r.id);
const committedIds = async () =>
  (await pool.query<{ id: number }>("select id from notes order by id")).rows.map((r) => r.id);

describe("a shadow run", () => {
  it("sees its own writes, in and out of transactions, and leaves none behind", async () => {
    const seen = await runAsShadow(async () => {
      await db.transaction(async (tx) => {
        await tx.execute(insert(1));
        await tx.transaction(async (nested) => nested.execute(insert(2)));
      });
      await db.execute(insert(3));
      const [all, count] = await Promise.all([ids(), db.execute(sql`select count(*) from notes`)]);
      return { all, count: Number(count.rows[0]?.count) };
    });
    expect(seen).toEqual({ all: [1, 2, 3], count: 3 });
    expect(await committedIds()).toEqual([]);
  });

  it("keeps a failed statement or transaction from spoiling the rest, as a real run would", async () => {
    const seen = await runAsShadow(async () => {
      await db.execute(insert(1));
      await expect(db.execute(insert(1))).rejects.toMatchObject({ cause: { code: "23505" } });
      await expect(
        db.transaction(async (tx) => {
          await tx.execute(insert(2));
          throw new Error("refused");
        }),
      ).rejects.toThrow("refused");
      // a failed statement swallowed inside a transaction: COMMIT then rolls it back, no error
      await db.transaction(async (tx) => {
        await tx.execute(insert(3));
        await tx.execute(insert(3)).catch(() => undefined);
      });
      await db.transaction(async (tx) => tx.execute(insert(4)));
      return ids();
    });
    expect(seen).toEqual([1, 4]);
    expect(await committedIds()).toEqual([]);
  });

  it("cannot commit: a bare COMMIT is a no-op and a smuggled one is refused", async () => {
    await runAsShadow(async () => {
      await db.execute(insert(1));
      await db.execute(sql`commit`);
      await expect(
        db.execute(sql.raw("insert into notes values (2, 'x'); commit")),
      ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/multiple commands/) } });
      const client = await pool.connect();
      await client.query("begin");
      await client.query("insert into notes values (3, 'x')");
      await client.query("commit");
      client.release();
      expect(await ids()).toEqual([1, 3]);
    });
    expect(await committedIds()).toEqual([]);
  });

  it("lets nothing through once it has ended, and gives its connection back", async () => {
    let late: Promise<unknown> | undefined;
    await runAsShadow(async () => {
      await db.execute(insert(1));
      late = new Promise((resolve) => setTimeout(resolve, 20)).then(() => db.execute(insert(2)));
    });
    await expect(late).rejects.toMatchObject({
      cause: { message: "this shadow run has ended" },
    });
    expect(await committedIds()).toEqual([]);
    expect(pool.idleCount).toBe(pool.totalCount);
  });

  it("changes nothing outside a run, even while one is open", async () => {
    let release = () => {};
    let wrote = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const written = new Promise<void>((resolve) => {
      wrote = resolve;
    });
    const open = runAsShadow(async () => {
      await db.execute(insert(1));
      wrote();
      await released;
    });
    await written;
    await db.transaction(async (tx) => tx.execute(insert(2)));
    await db.execute(insert(3));
    expect(await committedIds()).toEqual([2, 3]);
    release();
    await open;
    expect(await committedIds()).toEqual([2, 3]);
  });
});
