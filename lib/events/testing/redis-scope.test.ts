import { describe, expect, it } from "vitest";
import { redisScope } from "@/lib/events/testing/redis-scope";

const file = redisScope();

describe('redisScope({ per: "test" })', () => {
  const scope = redisScope({ per: "test" });
  const seen: Array<{ prefix: string; client: unknown }> = [];

  it("gives each test a prefix of its own under which it writes", async () => {
    seen.push({ prefix: scope.prefix, client: scope.client });
    await scope.client.set(`${scope.prefix}a`, "1");
    await scope.client.set(`${scope.prefix}b`, "2");
    // The file's client sees what a test's client wrote: the same server.
    expect(await file.client.get(`${scope.prefix}a`)).toBe("1");
  });

  it("has deleted the previous test's keys, and gives a new prefix and client", async () => {
    // needs the test above (run alone, this one would check nothing)
    expect(seen).toHaveLength(1);
    const previous = seen[0]?.prefix as string;
    expect(scope.prefix).not.toBe(previous);
    expect(scope.client).not.toBe(seen[0]?.client);
    expect(await file.client.exists(`${previous}a`, `${previous}b`)).toBe(0);
  });
});

describe("redisScope() of a file", () => {
  it("keeps one client and prefix for the whole file, usable outside tests", () => {
    expect(file.client).toBe(file.client);
    expect(file.prefix).toMatch(/^test:[a-z0-9]+:$/);
    expect(file.url).toMatch(/^redis:\/\//);
  });
});
