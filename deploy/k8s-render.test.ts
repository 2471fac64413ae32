import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { ENVIRONMENTS, hasKubectl, REPO_ROOT, render } from "./kustomize";
import { validateObject } from "./schemas";

const kubectl = hasKubectl();
if (!kubectl) {
  console.log("SKIPPED k8s render checks: kubectl is not on PATH (.ci/run installs it)");
}

const ROOTS = [
  ...ENVIRONMENTS.map((env) => `k8s/overlays/${env}`),
  "k8s/base/argocd",
  "k8s/base/argocd/apps",
];

describe.skipIf(!kubectl)("kustomize renders and every object validates", () => {
  for (const dir of ROOTS) {
    it(`${dir} renders objects that match the Kubernetes and Argo CD schemas`, async () => {
      const objects = render(dir);
      expect(objects.length).toBeGreaterThan(0);
      const failures: string[] = [];
      for (const obj of objects) {
        await validateObject(obj).catch((error: Error) =>
          failures.push(`${obj.kind}/${obj.metadata?.name}: ${error.message}`),
        );
      }
      expect(failures).toEqual([]);
    });
  }

  it("a broken object fails the schema check (the check can fail)", async () => {
    const deployment = render("k8s/overlays/dev/identity").find((o) => o.kind === "Deployment");
    if (!deployment) throw new Error("no identity Deployment rendered");
    deployment.spec.template.spec.containers[0].ports[0].containerPort = "http";
    await expect(validateObject(deployment)).rejects.toThrow(/containerPort/);
  });

  it("every Argo CD Application's path renders on its own", () => {
    const apps = render("k8s/base/argocd/apps").filter((o) => o.kind === "Application");
    for (const app of apps) {
      const source = path.join(REPO_ROOT, app.spec.source.path);
      expect(existsSync(path.join(source, "kustomization.yaml")), source).toBe(true);
    }
    // one per environment is enough to prove the per-service folders render alone
    for (const app of apps.filter((a) => a.metadata.name.endsWith("-staging"))) {
      expect(render(app.spec.source.path).length, app.metadata.name).toBeGreaterThan(0);
    }
  });
});

describe("Grafana provisioning", () => {
  it("every dashboard panel queries a provisioned datasource", () => {
    const dir = path.join(REPO_ROOT, "k8s/base/observability/grafana");
    const sources = parse(readFileSync(path.join(dir, "datasources.yaml"), "utf8")).datasources.map(
      (d: { uid: string }) => d.uid,
    );
    const dashboards = readdirSync(path.join(dir, "dashboards"));
    expect(dashboards.length).toBeGreaterThan(0);
    for (const file of dashboards) {
      const dashboard = JSON.parse(readFileSync(path.join(dir, "dashboards", file), "utf8"));
      expect(dashboard.uid, file).toBeTruthy();
      for (const panel of dashboard.panels) {
        expect(sources, `${file}: ${panel.title}`).toContain(panel.datasource.uid);
        expect(panel.targets.length, `${file}: ${panel.title}`).toBeGreaterThan(0);
      }
    }
  });
});

const promtool = spawnSync("promtool", ["--version"], { stdio: "ignore" }).status === 0;
describe.skipIf(!promtool)("Prometheus configuration of k8s/base/observability", () => {
  it("promtool accepts prometheus.yml with the rules it mounts", () => {
    const dir = path.join(REPO_ROOT, "k8s/base/observability/prometheus");
    const work = mkdtempSync(path.join(os.tmpdir(), "keiko-prom-"));
    try {
      // the pod mounts rules.yml at /etc/prometheus/rules; here it is read from the repository
      const config = parse(readFileSync(path.join(dir, "prometheus.yml"), "utf8"));
      config.rule_files = [path.join(dir, "rules.yml")];
      // Debian's promtool is built without Kubernetes discovery: a static target stands in for it
      for (const job of config.scrape_configs) {
        expect(job.kubernetes_sd_configs?.[0]?.role).toBe("pod");
        delete job.kubernetes_sd_configs;
        job.static_configs = [{ targets: ["127.0.0.1:9"] }];
      }
      writeFileSync(path.join(work, "prometheus.yml"), stringify(config));
      const result = spawnSync("promtool", ["check", "config", path.join(work, "prometheus.yml")], {
        encoding: "utf8",
      });
      expect(result.status, result.stdout + result.stderr).toBe(0);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
