import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isIgnored, parseDockerignore } from "./dockerignore";
import { importClosures } from "./import-closure";
import { REPO_ROOT } from "./kustomize";
import { CONSOLE_COMMAND } from "./process-policy";

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
/** What a target and its parents copy from the build context (not from other stages). */
const copiedSources = (name: string): string[] =>
  chain(name)
    .flatMap((s) => s.lines)
    .filter((l) => /^COPY\s/i.test(l) && !/--from=/.test(l))
    .flatMap((l) => l.split(/\s+/).slice(1, -1));
/** The exec-form CMD of a target. */
const commandOf = (name: string): string[] => {
  const cmd = stage(name).lines.find((l) => l.startsWith("CMD"));
  return JSON.parse((cmd as string).slice(3)) as string[];
};
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
    for (const name of DEPLOYABLES) {
      const argv = commandOf(name);
      expect(argv.slice(0, 5), name).toEqual([
        "node",
        "--import",
        "tsx",
        "--import",
        "./lib/observability/preload.ts",
      ]);
      const entry = argv[5] ?? "";
      expect(existsSync(path.join(REPO_ROOT, entry)), entry).toBe(true);
      expect(
        copiedSources(name).some((source) => entry === source || entry.startsWith(`${source}/`)),
        `${name} runs ${entry} but does not copy it`,
      ).toBe(true);
    }
  });

  it("each image holds every repository file its processes load (entry, preload, consumer)", () => {
    const entriesOf = (name: string) => {
      const argv = commandOf(name);
      const consumer = `services/${name}/consume.ts`;
      return [
        path.normalize(argv[4] ?? ""),
        argv[5] ?? "",
        // the consumer Deployments run their service's image with this entry (k8s/base/*/consumer.yaml)
        ...(existsSync(path.join(REPO_ROOT, consumer)) ? [consumer] : []),
      ];
    };
    const closures = importClosures([...new Set(DEPLOYABLES.flatMap(entriesOf))]);
    const missing = DEPLOYABLES.flatMap((name) => {
      const sources = copiedSources(name);
      return entriesOf(name).flatMap((entry) =>
        [...(closures.get(entry) ?? [`no modules for ${entry}`])]
          .filter(
            (file) =>
              isIgnored(rules, file) ||
              !sources.some((source) => file === source || file.startsWith(`${source}/`)),
          )
          .map((file) => `${name}: ${entry} loads ${file}`),
      );
    });
    expect(missing).toEqual([]);
  }, 60_000);

  it("the console runs scripts/console-server.ts on every address, as its Deployment does", () => {
    expect(commandOf("console")).toEqual(CONSOLE_COMMAND);
    const consoleLines = chain("console").flatMap((s) => s.lines);
    expect(consoleLines).toContain("COPY --from=console-build /app/.next ./.next");
    // what console-server.ts imports at start besides lib/ (the runtime has it)
    expect(consoleLines).toContain("COPY server ./server");
    expect(consoleLines).toContain("COPY lib ./lib");
  });

  it("tsx, which runs every process, is a production dependency (npm ci --omit=dev keeps it)", () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(pkg.dependencies.tsx).toBeDefined();
    // what `npm ci --omit=dev` installs is the lock file's non-dev entries (tsx's esbuild included)
    const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, { dev?: boolean; dependencies?: Record<string, string> }>;
    };
    for (const name of ["tsx", "next"]) {
      expect(lock.packages[`node_modules/${name}`]?.dev, name).toBeUndefined();
    }
    for (const dependency of Object.keys(lock.packages["node_modules/tsx"]?.dependencies ?? {})) {
      const entry =
        lock.packages[`node_modules/tsx/node_modules/${dependency}`] ??
        lock.packages[`node_modules/${dependency}`];
      expect(entry?.dev, `tsx needs ${dependency}`).toBeUndefined();
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
      /^(package(-lock)?\.json|tsconfig\.json|next\.config\.ts|postcss\.config\.mjs|instrumentation\.ts|scripts\/console-server\.ts|(app|server|lib|services|workers)\/.+)$/;
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
