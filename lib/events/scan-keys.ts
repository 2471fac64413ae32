import type { Redis } from "ioredis";

/** Keys matching `pattern` of one type, found with SCAN (never KEYS), sorted. */
export async function scanKeys(
  redis: Redis,
  pattern: string,
  type: "stream" | "hash",
): Promise<string[]> {
  const found = new Set<string>();
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000, "TYPE", type);
    cursor = next;
    for (const key of keys) found.add(key);
  } while (cursor !== "0");
  return [...found].sort();
}
