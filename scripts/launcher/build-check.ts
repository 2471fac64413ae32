import { readdir, stat } from "node:fs/promises";
import path from "node:path";

/** What the console build depends on, relative to the repository root. */
export const BUILD_INPUTS = [
  "app",
  "server",
  "lib",
  "next.config.ts",
  "package.json",
  "postcss.config.mjs",
];

export type BuildDecision = { needed: boolean; reason: string };

/**
 * A build is needed when `.next/BUILD_ID` is missing or any build input changed after it was
 * written, or a file was added, removed or renamed in it. Edits to tests (`*.test.ts`) do not
 * count: they are not part of the bundle.
 */
export async function needsBuild(root: string, inputs = BUILD_INPUTS): Promise<BuildDecision> {
  const builtAt = await modifiedAt(path.join(root, ".next", "BUILD_ID"));
  if (builtAt === undefined) return { needed: true, reason: "no build yet" };
  for (const input of inputs) {
    const newer = await findNewer(path.join(root, input), builtAt);
    if (newer)
      return { needed: true, reason: `${path.relative(root, newer)} changed since the last build` };
  }
  return { needed: false, reason: "the build is up to date" };
}

async function modifiedAt(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The first file under `entry` (a file or a folder) modified after `since`, if any. */
async function findNewer(entry: string, since: number): Promise<string | undefined> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(entry);
  } catch {
    return undefined;
  }
  if (info.isFile()) {
    return !entry.endsWith(".test.ts") && info.mtimeMs > since ? entry : undefined;
  }
  if (!info.isDirectory()) return undefined;
  // A folder's time changes when a file in it is added, removed or renamed.
  if (info.mtimeMs > since) return entry;
  for (const child of await readdir(entry)) {
    const newer = await findNewer(path.join(entry, child), since);
    if (newer) return newer;
  }
  return undefined;
}
