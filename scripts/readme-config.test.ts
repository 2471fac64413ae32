import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");

/** The modules that parse the environment with zod: each of their variables is a README row. */
const CONFIG_MODULES = [
  "lib/config/service.ts",
  "lib/config/console.ts",
  "lib/config/consumer.ts",
  "lib/config/telemetry.ts",
  "lib/config/database-urls.ts",
  "lib/process/lifecycle-settings.ts",
  "lib/events/relay-config.ts",
  "lib/data-sync/data-sync-config.ts",
  "services/api-gateway/config.ts",
  "workers/slo-guard/config.ts",
  "workers/slo-guard/timeline-watch-config.ts",
  "scripts/launcher/config.ts",
  "server/migration/domain-catalog.ts",
];

/** Keys of zod objects written as `  NAME: z…` or `  NAME: helper(…)`. */
function variablesOf(source: string): string[] {
  return [...source.matchAll(/^\s+"?([A-Z][A-Z0-9_]{2,})"?:\s/gm)].map((match) => match[1] ?? "");
}

describe("the README's configuration table", () => {
  it("has a row for every variable a process reads", async () => {
    const readme = await readFile(path.join(root, "README.md"), "utf8");
    const table = readme.slice(
      readme.indexOf("## Configuration"),
      readme.indexOf("## How the data moves"),
    );
    const missing: string[] = [];
    for (const module of CONFIG_MODULES) {
      const source = await readFile(path.join(root, module), "utf8");
      for (const name of variablesOf(source)) {
        if (!table.includes(`\`${name}\``)) missing.push(`${name} (${module})`);
      }
    }
    expect(missing).toEqual([]);
  });
});
