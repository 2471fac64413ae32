import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "@/lib/testing/test-database";
import { loadRouteTable } from "./route-table";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;

beforeAll(async () => {
  database = await createTestDatabase("control");
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
});
afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

async function insert(name: string, columns: Record<string, unknown> = {}) {
  const values = {
    name,
    display_name: name,
    path_prefix: `/api/${name}`,
    legacy_url: "http://127.0.0.1:8090",
    service_url: "http://127.0.0.1:8102",
    state: "shadow",
    ...columns,
  };
  const names = Object.keys(values);
  await pool.query(
    `insert into domains (${names.join(", ")}) values (${names.map((_, i) => `$${i + 1}`).join(", ")})`,
    Object.values(values),
  );
}

describe("loadRouteTable", () => {
  it("reads each domain's route, its shadow share included", async () => {
    await insert("learning", { shadow_percent: 10 });
    const { table, rejected } = await loadRouteTable(drizzle(pool));
    expect(rejected).toEqual([]);
    expect(table.routes).toEqual([
      expect.objectContaining({
        name: "learning",
        state: "shadow",
        shadowPercent: 10,
        writeFence: false,
        legacyUrl: new URL("http://127.0.0.1:8090"),
      }),
    ]);
  });

  it("still routes on a database whose migration has not added the newest columns yet", async () => {
    // a gateway rolled out before its migration ran: the columns it knows are missing
    await pool.query("alter table domains drop column shadow_percent, drop column write_fence");
    await insert("identity");
    const { table, rejected } = await loadRouteTable(drizzle(pool));
    expect(rejected).toEqual([]);
    expect(table.routes.map((r) => [r.name, r.shadowPercent, r.writeFence])).toEqual([
      ["learning", 100, false],
      ["identity", 100, false],
    ]);
  });
});
