import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = process.cwd();
let sandbox: string;

/** Lays out a small tree in a temporary folder and runs the project's rules over it. */
async function cruise(files: Record<string, string>) {
  const dir = await mkdtemp(path.join(sandbox, "case-"));
  await writeFile(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { strict: true } }),
  );
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  const bin = path.join(root, "node_modules/.bin/depcruise");
  const args = [
    "--config",
    path.join(root, ".dependency-cruiser.cjs"),
    ...new Set(Object.keys(files).map((f) => f.split("/")[0] as string)),
  ];
  try {
    const { stdout } = await run(bin, args, { cwd: dir });
    return { ok: true, output: stdout };
  } catch (error) {
    return { ok: false, output: String((error as { stdout?: string }).stdout) };
  }
}

beforeAll(async () => {
  sandbox = await mkdtemp(path.join(tmpdir(), "keiko-deps-"));
});
afterAll(() => rm(sandbox, { recursive: true, force: true }));

describe("dependency rules", () => {
  it("fail when lib imports server", async () => {
    const result = await cruise({
      "lib/a.ts": 'import { b } from "../server/b";\nexport const a = b;\n',
      "server/b.ts": "export const b = 1;\n",
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain("lib-is-a-leaf");
  });

  it("fail when one service imports another", async () => {
    const result = await cruise({
      "services/identity/a.ts": 'import { b } from "../learning/b";\nexport const a = b;\n',
      "services/learning/b.ts": "export const b = 1;\n",
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain("no-service-to-service-imports");
  });

  it("fail when a client component imports server code at run time", async () => {
    const result = await cruise({
      "app/_components/a.tsx": 'import { b } from "../../server/b";\nexport const a = b;\n',
      "server/b.ts": "export const b = 1;\n",
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain("app-client-reaches-server-only-through-trpc-types");
  });

  it("pass for type-only imports and imports within one service", async () => {
    const result = await cruise({
      "app/_components/a.tsx": 'import type { B } from "../../server/b";\nexport type A = B;\n',
      "server/b.ts": "export type B = number;\n",
      "services/identity/a.ts": 'import { c } from "./c";\nexport const a = c;\n',
      "services/identity/c.ts": "export const c = 1;\n",
    });
    expect(result.output).toContain("no dependency violations");
    expect(result.ok).toBe(true);
  });
});
