import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const { parseToObject } = createRequire(import.meta.url)("hcl2-parser") as {
  parseToObject(source: string): [Record<string, unknown> | null, unknown];
};

// biome-ignore lint/suspicious/noExplicitAny: parsed HCL, read field by field by the tests
export type Hcl = Record<string, any>;

/** Parses one HCL file; throws with the parser's message. */
export function parseHclFile(file: string): Hcl {
  const [parsed, error] = parseToObject(readFileSync(file, "utf8"));
  if (error || !parsed) throw new Error(`${file}: ${String(error)}`);
  return parsed;
}

/**
 * Parses every .tf file of a folder and merges the top-level blocks (resource types, variables,
 * locals…) as Terraform does for one module.
 */
export function parseHclModule(dir: string): Hcl {
  const merged: Hcl = {};
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".tf"))
    .sort()) {
    const parsed = parseHclFile(path.join(dir, file));
    for (const [block, value] of Object.entries(parsed)) {
      if (Array.isArray(value)) merged[block] = [...(merged[block] ?? []), ...value];
      else merged[block] = { ...(merged[block] ?? {}), ...(value as Hcl) };
    }
  }
  return merged;
}
