import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { needsBuild } from "./build-check";

let root: string;
const past = new Date("2026-01-01T00:00:00Z");
const built = new Date("2026-01-02T00:00:00Z");
const later = new Date("2026-01-03T00:00:00Z");

async function file(relative: string, time: Date) {
  const full = path.join(root, relative);
  await mkdir(path.dirname(full), { recursive: true });
  await writeFile(full, "x");
  await utimes(full, time, time);
}

/** Folder times move when files are created in them; pin them to the past. */
async function pinFolders(time: Date) {
  for (const folder of ["app", "app/ops", "server", "lib", "lib/config", ".next"]) {
    await utimes(path.join(root, folder), time, time).catch(() => {});
  }
}

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "keiko-build-check-"));
  await file("app/page.tsx", past);
  await file("app/ops/page.tsx", past);
  await file("server/trpc.ts", past);
  await file("lib/config/console.ts", past);
  await file("next.config.ts", past);
  await file("package.json", past);
  await pinFolders(past);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("needsBuild", () => {
  it("builds when there is no .next/BUILD_ID", async () => {
    expect(await needsBuild(root)).toEqual({ needed: true, reason: "no build yet" });
  });

  it("does not build when every input is older than BUILD_ID", async () => {
    await file(".next/BUILD_ID", built);
    await pinFolders(past);
    expect((await needsBuild(root)).needed).toBe(false);
  });

  it.each([
    "app/ops/page.tsx",
    "server/trpc.ts",
    "lib/config/console.ts",
    "next.config.ts",
    "package.json",
  ])("builds when %s changed after the build", async (changed) => {
    await file(".next/BUILD_ID", built);
    await file(changed, later);
    await pinFolders(past);
    const decision = await needsBuild(root);
    expect(decision.needed).toBe(true);
    expect(decision.reason).toContain(changed);
  });

  it("builds when a file was removed from a folder after the build", async () => {
    await file(".next/BUILD_ID", built);
    await pinFolders(past);
    await rm(path.join(root, "app/ops/page.tsx"));
    const decision = await needsBuild(root);
    expect(decision).toMatchObject({ needed: true });
    expect(decision.reason).toContain("app/ops");
  });

  it("ignores edits to tests", async () => {
    await file("lib/config/console.test.ts", past);
    await file(".next/BUILD_ID", built);
    await pinFolders(past);
    await utimes(path.join(root, "lib/config/console.test.ts"), later, later);
    expect((await needsBuild(root)).needed).toBe(false);
  });

  it("ignores inputs that do not exist", async () => {
    await file(".next/BUILD_ID", built);
    await pinFolders(past);
    expect((await needsBuild(root, ["app", "no-such-folder", "missing.ts"])).needed).toBe(false);
  });
});
