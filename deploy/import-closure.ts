import { execFileSync } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "./kustomize";

type CruisedModule = {
  source: string;
  dependencies: {
    module: string;
    resolved: string;
    coreModule: boolean;
    couldNotResolve: boolean;
    dependencyTypes: string[];
  }[];
};

/**
 * The repository files each entry point loads (static and dynamic imports, `@/` paths resolved
 * through tsconfig.json), found by dependency-cruiser without following node_modules; a local
 * import that resolves nowhere is listed as `unresolved: <specifier>`.
 */
export function importClosures(entries: readonly string[]): Map<string, Set<string>> {
  const bin = path.join(REPO_ROOT, "node_modules/.bin/depcruise");
  const output = execFileSync(
    bin,
    [
      "--config",
      ".dependency-cruiser.cjs",
      "--output-type",
      "json",
      "--do-not-follow",
      "node_modules",
      ...entries,
    ],
    { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  const modules = new Map(
    (JSON.parse(output) as { modules: CruisedModule[] }).modules.map((m) => [m.source, m]),
  );
  const local = (file: string) => !file.startsWith("node_modules/") && modules.has(file);
  return new Map(
    entries.map((entry) => {
      const seen = new Set<string>();
      const queue = [entry];
      while (queue.length > 0) {
        const file = queue.pop() as string;
        if (seen.has(file)) continue;
        seen.add(file);
        for (const dependency of modules.get(file)?.dependencies ?? []) {
          // `import type` is erased when tsx runs the file: nothing to ship
          if (dependency.dependencyTypes.includes("type-only")) continue;
          // a relative or `@/` import that resolves nowhere would fail in the image too
          if (dependency.couldNotResolve) {
            if (/^(\.|@\/)/.test(dependency.module)) seen.add(`unresolved: ${dependency.module}`);
          } else if (!dependency.coreModule && local(dependency.resolved)) {
            queue.push(dependency.resolved);
          }
        }
      }
      return [entry, seen];
    }),
  );
}
