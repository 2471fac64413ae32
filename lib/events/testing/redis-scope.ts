import { Redis } from "ioredis";
import { afterAll, afterEach, beforeEach } from "vitest";
import { deleteKeys, testRedisUrl, uniquePrefix } from "@/lib/events/testing/harness";

/** The shared test Redis of one test file, or of the running test (see redisScope). */
export interface RedisScope {
  /** The server's URL (TEST_REDIS_URL, else localhost), e.g. REDIS_URL of a child process. */
  readonly url: string;
  /** A client of that server, connected on first use. */
  readonly client: Redis;
  /** A key prefix no other test uses; everything under it is deleted afterwards. */
  readonly prefix: string;
}

type Slot = { readonly prefix: string; readonly client: Redis; close(): Promise<void> };

function openSlot(url: string): Slot {
  const prefix = uniquePrefix();
  let client: Redis | undefined;
  return {
    prefix,
    get client() {
      client ??= new Redis(url);
      return client;
    },
    async close() {
      // Children may have written under the prefix even when this process never connected.
      const cleaner = client ?? new Redis(url);
      try {
        await deleteKeys(cleaner, prefix);
      } finally {
        cleaner.disconnect();
      }
    },
  };
}

/**
 * Registers the vitest hooks of a test file on the shared test Redis: a client, a unique key
 * prefix, and afterwards the deletion of the prefix's keys (SCAN + UNLINK) and a disconnect.
 *
 * - `per: "file"` (default): one client and prefix for the file, usable at once (module code may
 *   destructure them), cleaned up after all tests.
 * - `per: "test"`: a fresh client and prefix for each test, read inside tests and hooks, cleaned
 *   up after each test.
 *
 * Call it before the file's own hooks: vitest runs after-hooks in reverse order, so the keys are
 * deleted once whatever the file started (relays, consumers, child processes) has stopped.
 */
export function redisScope(options: { per?: "file" | "test" } = {}): RedisScope {
  const url = testRedisUrl();
  if (options.per !== "test") {
    const file = openSlot(url);
    afterAll(() => file.close());
    return {
      url,
      prefix: file.prefix,
      get client() {
        return file.client;
      },
    };
  }
  let current: Slot | undefined;
  beforeEach(() => {
    current = openSlot(url);
  });
  afterEach(async () => {
    const slot = current;
    current = undefined;
    await slot?.close();
  });
  const active = (): Slot => {
    if (!current) throw new Error('redisScope({ per: "test" }) is only usable inside a test');
    return current;
  };
  return {
    url,
    get client() {
      return active().client;
    },
    get prefix() {
      return active().prefix;
    },
  };
}
