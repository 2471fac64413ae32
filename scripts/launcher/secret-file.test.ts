import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { randomSecret, readOrCreateSecret } from "./secret-file";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "keiko-secret-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("readOrCreateSecret", () => {
  it("creates a secret readable only by its owner and returns the same one afterwards", async () => {
    const file = path.join(dir, "nested", "nextauth-secret");
    const first = await readOrCreateSecret(file);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readOrCreateSecret(file)).toBe(first);
  });

  it("refuses a file that holds too short a secret", async () => {
    const file = path.join(dir, "secret");
    await writeFile(file, "short\n");
    await expect(readOrCreateSecret(file)).rejects.toThrow(/delete it/);
  });

  it("makes different URL-safe secrets of the asked size", () => {
    const a = randomSecret(18);
    expect(a).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(randomSecret(18)).not.toBe(a);
  });
});
