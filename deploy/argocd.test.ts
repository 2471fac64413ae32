import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ENVIRONMENTS, hasKubectl, type K8sObject, REPO_ROOT, render } from "./kustomize";

const kubectl = hasKubectl();
if (!kubectl) console.log("SKIPPED Argo CD checks: kubectl is not on PATH (.ci/run installs it)");

const DOMAINS = ["identity", "learning", "reputation", "passport", "governance", "marketplace"];
/** Every folder of an environment's overlay is one Argo CD Application's source. */
const unitsOf = (env: string) =>
  readdirSync(path.join(REPO_ROOT, "k8s/overlays", env), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();

describe.skipIf(!kubectl)("Argo CD app of apps (the naming contract of k8s/README.md)", () => {
  let apps: K8sObject[] = [];
  let project: K8sObject;
  let root: K8sObject;
  beforeAll(() => {
    const objects = render("k8s/base/argocd/apps");
    apps = objects.filter((o) => o.kind === "Application");
    project = objects.find((o) => o.kind === "AppProject") as K8sObject;
    root = render("k8s/base/argocd").find((o) => o.kind === "Application") as K8sObject;
  });

  it("the root Application syncs the apps folder with prune, selfHeal and CreateNamespace", () => {
    expect(root.spec.source.path).toBe("k8s/base/argocd/apps");
    expect(root.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(root.spec.syncPolicy.syncOptions).toContain("CreateNamespace=true");
  });

  it("one Application per service and environment, named, labelled and sourced by contract", () => {
    const expected = ENVIRONMENTS.flatMap((env) => unitsOf(env).map((u) => `keiko-${u}-${env}`));
    expect(apps.map((a) => a.metadata.name).sort()).toEqual(expected.sort());
    for (const app of apps) {
      const [, service = "", env = ""] =
        /^keiko-(.+)-(dev|staging|production)$/.exec(app.metadata.name) ?? [];
      expect(app.metadata.namespace).toBe("argocd");
      const labels = app.metadata.labels ?? {};
      expect(labels["keiko.io/service"], app.metadata.name).toBe(service);
      expect(labels["keiko.io/environment"], app.metadata.name).toBe(env);
      const domain =
        service === "legacy-runtime" ? "legacy" : DOMAINS.includes(service) ? service : undefined;
      expect(labels["keiko.io/domain"], app.metadata.name).toBe(domain);
      expect(app.spec.source.path).toBe(`k8s/overlays/${env}/${service}`);
      expect(app.spec.destination.namespace).toBe(`keiko-${env}`);
      expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
      expect(app.spec.syncPolicy.syncOptions).toContain("CreateNamespace=true");
    }
  });

  it("the project allows exactly the Applications' sources and destinations", () => {
    for (const app of apps) {
      expect(app.spec.project).toBe(project.metadata.name);
      expect(project.spec.sourceRepos).toContain(app.spec.source.repoURL);
      expect(project.spec.destinations).toContainEqual(app.spec.destination);
    }
    expect(project.spec.sourceRepos).not.toContain("*");
    expect(project.spec.destinations).toHaveLength(ENVIRONMENTS.length);
  });

  it("sync waves: config and data stores, then observability, services, gateway, console", () => {
    const wave = (service: string) =>
      Number(
        apps.find((a) => a.metadata.name === `keiko-${service}-production`)?.metadata.annotations?.[
          "argocd.argoproj.io/sync-wave"
        ],
      );
    expect(wave("platform")).toBeLessThan(wave("observability"));
    expect(wave("observability")).toBeLessThan(wave("legacy-runtime"));
    for (const domain of DOMAINS) expect(wave(domain)).toBeLessThan(wave("api-gateway"));
    expect(wave("api-gateway")).toBeLessThan(wave("console"));
    expect(wave("console")).toBeLessThan(wave("slo-guard"));
  });

  it("each overlay sets its service's image by name keiko/<service> in the OVHcloud registry", () => {
    for (const env of ENVIRONMENTS) {
      for (const unit of unitsOf(env).filter((u) => u !== "platform" && u !== "observability")) {
        const file = path.join(REPO_ROOT, "k8s/overlays", env, unit, "kustomization.yaml");
        const images = parse(readFileSync(file, "utf8")).images ?? [];
        expect(images, file).toHaveLength(1);
        expect(images[0].name).toBe(`keiko/${unit}`);
        expect(images[0].newName).toMatch(
          new RegExp(`^[a-z0-9-]+\\.[a-z0-9]+\\.container-registry\\.ovh\\.net/keiko/${unit}$`),
        );
      }
    }
  });
});
