import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { testServerUrl } from "@/lib/testing/test-database";
import { resilientPool } from "./pool";

const admin = new pg.Pool({ connectionString: testServerUrl(), max: 1 });
afterAll(() => admin.end());

describe("resilientPool", () => {
  it("survives its idle connections being killed (a PostgreSQL restart) and serves the next query", async () => {
    const warnings: string[] = [];
    const pool = resilientPool(
      { connectionString: testServerUrl(), max: 2, application_name: "keiko-pool-test" },
      { warn: (_fields, message) => warnings.push(message) },
      "test",
    );
    try {
      const { rows } = await pool.query<{ pid: number }>("select pg_backend_pid() as pid");
      const pid = rows[0]?.pid;
      // the connection is idle in the pool now; kill it as a server restart would
      await admin.query("select pg_terminate_backend($1)", [pid]);
      await expect
        .poll(() => warnings)
        .toContain("an idle database connection failed; it is replaced");
      const again = await pool.query<{ pid: number }>("select pg_backend_pid() as pid");
      expect(again.rows[0]?.pid).not.toBe(pid);
    } finally {
      await pool.end();
    }
  });

  it("survives a checked-out connection being killed between two queries of a transaction", async () => {
    const warnings: string[] = [];
    const pool = resilientPool(
      { connectionString: testServerUrl(), max: 2 },
      { warn: (_fields, message) => warnings.push(message) },
      "test",
    );
    try {
      const client = await pool.connect();
      await client.query("begin");
      const { rows } = await client.query<{ pid: number }>("select pg_backend_pid() as pid");
      await admin.query("select pg_terminate_backend($1)", [rows[0]?.pid]);
      await expect.poll(() => warnings).toContain("a database connection in use failed");
      await expect(client.query("select 1")).rejects.toThrow();
      client.release(true);
      const again = await pool.query<{ n: number }>("select 1 as n");
      expect(again.rows).toEqual([{ n: 1 }]);
    } finally {
      await pool.end();
    }
  });
});
