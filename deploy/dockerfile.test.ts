import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isIgnored, parseDockerignore } from "./dockerignore";
import { REPO_ROOT } from "./kustomize";

const dockerfile = readFileSync(path.join(REPO_ROOT, "Dockerfile"), "utf8");
const rules = parseDockerignore(readFileSync(path.join(REPO_ROOT, ".dockerignore"), "utf8"));
const DEPLOYABLES = [
  "console",
  "api-gateway",
  "legacy-runtime",
  "identity",
  "learning",
  "reputation",
  "passport",
  "governance",
  "marketplace",
  "outbox-relay",
  "data-sync",
  "slo-guard",
];

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith("#"));

type Stage = { name: string; from: string; lines: string[] };
const stages: Stage[] = [];
for (const line of instructions) {
  const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
  if (from) stages.push({ name: from[2] ?? "", from: from[1] ?? "", lines: [] });
  else stages.at(-1)?.lines.push(line);
}
const stage = (name: string) => stages.find((s) => s.name === name) as Stage;
/** The stage and its parents, nearest first. */
const chain = (name: string): Stage[] => {
  const own = stage(name);
  return own ? [own, ...chain(own.from)] : [];
};

/** Files of the repository as the build context would list them (the heavy folders aside). */
function contextFiles(dir = REPO_ROOT, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if ([".git", "node_modules"].includes(rel) || rel.startsWith(".next")) return [rel];
      return contextFiles(path.join(dir, entry.name), rel);
    }
    return [rel];
  });
}

describe("Dockerfile", () => {
  it("has one target per deployable, each built on the non-root runtime", () => {
    for (const name of DEPLOYABLES) {
      const ancestry = chain(name).map((s) => s.name);
      expect(ancestry, name).toContain("runtime");
      const user = chain(name)
        .flatMap((s) => s.lines)
        .find((l) => /^USER\s/i.test(l));
      expect(user, name).toMatch(/^USER\s+[1-9]\d*:[1-9]\d*$/);
    }
  });

  it("each target's command starts an entry point that exists, through the tracing preload", () => {
    for (const name of DEPLOYABLES.filter((n) => n !== "console")) {
      const cmd = stage(name).lines.find((l) => l.startsWith("CMD"));
      const argv = JSON.parse((cmd as string).slice(3)) as string[];
      expect(argv.slice(0, 5), name).toEqual([
        "node",
        "--import",
        "tsx",
        "--import",
        "./lib/observability/preload.ts",
      ]);
      const entry = argv[5] ?? "";
      expect(existsSync(path.join(REPO_ROOT, entry)), entry).toBe(true);
    }
  });

  it("ships production dependencies only, from a pinned base image, without HEALTHCHECK", () => {
    expect(instructions.some((l) => /^HEALTHCHECK/i.test(l))).toBe(false);
    const prod = stage("prod-deps").lines.find((l) => l.startsWith("RUN npm ci"));
    expect(prod).toMatch(/--omit=dev/);
    expect(stage("runtime").lines).toContain(
      "COPY --from=prod-deps /app/node_modules ./node_modules",
    );
    const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    expect(base).toMatch(/^node:\d+\.\d+\.\d+-[a-z]+-slim$/);
  });
});

describe(".dockerignore", () => {
  const files = contextFiles();
  const sent = files.filter((file) => !isIgnored(rules, file));

  it("sends every source the Dockerfile copies", () => {
    const sources = instructions
      .filter((l) => /^COPY\s/i.test(l) && !/--from=/.test(l))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    for (const source of sources) {
      const found = sent.some((file) => file === source || file.startsWith(`${source}/`));
      expect(found, `${source} is copied but not in the build context`).toBe(true);
    }
  });

  it("sends nothing else: no tests, infrastructure, documents, builds, secrets or VCS data", () => {
    const allowed =
      /^(package(-lock)?\.json|tsconfig\.json|next\.config\.ts|postcss\.config\.mjs|instrumentation\.ts|(app|server|lib|services|workers)\/.+)$/;
    expect(sent.filter((file) => !allowed.test(file))).toEqual([]);
    expect(sent.filter((file) => /\.test\.tsx?$|\/testing\//.test(file))).toEqual([]);
    for (const file of [
      ".git/HEAD",
      "node_modules/next/package.json",
      ".env",
      "k8s/base/x.yaml",
      ".next/BUILD_ID",
    ]) {
      expect(isIgnored(rules, file), file).toBe(true);
    }
  });

  it("the matcher reads Docker's rules: last match wins, folders cover their files", () => {
    const sample = parseDockerignore("*\n!lib/\n**/*.test.ts\n!lib/keep.test.ts");
    expect(isIgnored(sample, "README.md")).toBe(true);
    expect(isIgnored(sample, "lib/a/b.ts")).toBe(false);
    expect(isIgnored(sample, "lib/a/b.test.ts")).toBe(true);
    expect(isIgnored(sample, "lib/keep.test.ts")).toBe(false);
  });
});
