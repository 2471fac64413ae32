import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type Hcl, parseHclModule } from "./hcl";
import { ENVIRONMENTS, REPO_ROOT } from "./kustomize";

const MODULE = path.join(REPO_ROOT, "infra/modules/ovh-kubernetes");
const DOMAINS = ["identity", "learning", "reputation", "passport", "governance", "marketplace"];
const terraform = spawnSync("terraform", ["version"], { stdio: "ignore" }).status === 0;
const run = (args: string[], cwd = REPO_ROOT) =>
  spawnSync("terraform", args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, TF_IN_AUTOMATION: "1" },
  });
/** How the parser writes an HCL expression: `${…}`. */
const expression = (text: string) => `\${${text}}`;
const locals = (module: Hcl) => Object.assign({}, ...(module.locals ?? []));
const only = (blocks: Hcl[] | undefined) => {
  expect(blocks).toHaveLength(1);
  return (blocks as Hcl[])[0] as Hcl;
};

describe("Terraform module ovh-kubernetes (parsed HCL)", () => {
  const module = parseHclModule(MODULE);

  it("one managed cluster and both node pools with the design's flavors and bounds", () => {
    expect(module.resource.ovh_cloud_project_kube.cluster).toHaveLength(1);
    const pools = module.resource.ovh_cloud_project_kube_nodepool;
    const variables = module.variable;
    for (const [pool, flavor, min, max] of [
      ["system", "b2-7", 3, 5],
      ["applications", "b2-15", 3, 10],
    ] as const) {
      const resource = only(pools[pool]);
      expect(resource.name).toBe(pool);
      expect(resource.autoscale).toBe(true);
      expect(resource.min_nodes).toBe(expression(`var.${pool}_pool.min`));
      expect(resource.max_nodes).toBe(expression(`var.${pool}_pool.max`));
      const fallback = only(variables[`${pool}_pool`]).default;
      expect(fallback).toEqual({ flavor, min, max });
      // the validation holds every environment inside the design's bounds
      const condition = only(only(variables[`${pool}_pool`]).validation).condition as string;
      expect(condition).toContain(`min >= ${min}`);
      expect(condition).toContain(`max <= ${max}`);
    }
  });

  it("six PostgreSQL 14 business databases, one per domain, with users and IP restrictions", () => {
    expect(locals(module).domains).toEqual(DOMAINS);
    const domain = only(module.resource.ovh_cloud_project_database.domain);
    expect(domain.for_each).toBe(expression("toset(local.domains)"));
    for (const db of [domain, only(module.resource.ovh_cloud_project_database.platform)]) {
      expect(db).toMatchObject({ engine: "postgresql", version: "14", plan: "business" });
      expect(db.nodes).toHaveLength(2);
      expect(db.dynamic.ip_restrictions[0].for_each).toBe(
        expression("toset(var.database_allowed_ips)"),
      );
    }
    const user = only(module.resource.ovh_cloud_project_database_postgresql_user.domain);
    expect(user.for_each).toBe(expression("toset(local.domains)"));
    expect(user.cluster_id).toBe(expression("ovh_cloud_project_database.domain[each.key].id"));
    const allowed = only(only(module.variable.database_allowed_ips).validation);
    expect(allowed.condition).toContain('"0.0.0.0/0"');
  });

  it("the kubeconfig and the connection URLs are sensitive outputs", () => {
    for (const name of ["kubeconfig", "database_urls"]) {
      expect(only(module.output[name]).sensitive, name).toBe(true);
    }
  });

  it("every variable of the module and the environments is validated", () => {
    for (const dir of [
      MODULE,
      ...ENVIRONMENTS.map((e) => `${REPO_ROOT}/infra/environments/${e}`),
    ]) {
      for (const [name, blocks] of Object.entries(parseHclModule(dir).variable ?? {})) {
        expect(only(blocks as Hcl[]).validation, `${dir}: ${name}`).toBeDefined();
      }
    }
  });
});

describe.each(ENVIRONMENTS)("Terraform environment %s", (env) => {
  const dir = path.join(REPO_ROOT, "infra/environments", env);
  const parsed = parseHclModule(dir);

  it("keeps its state on OVHcloud Object Storage (S3 backend), one key per environment", () => {
    const s3 = only(only(parsed.terraform).backend.s3);
    expect(s3.key).toBe(`${env}/terraform.tfstate`);
    expect(s3.endpoints.s3).toMatch(/^https:\/\/s3\.[a-z]+\.io\.cloud\.ovh\.net$/);
    expect(s3.skip_credentials_validation).toBe(true);
    expect(JSON.stringify(s3)).not.toMatch(/access_key|secret_key/);
  });

  it("pins the provider and Terraform versions, and uses the module for its environment", () => {
    const settings = only(parsed.terraform);
    expect(only(settings.required_providers).ovh).toEqual({
      source: "ovh/ovh",
      version: expect.stringMatching(/^\d+\.\d+\.\d+$/),
    });
    expect(settings.required_version).toMatch(/^~> 1\.\d+\.\d+$/);
    const platform = only(parsed.module.platform);
    expect(platform.source).toBe("../../modules/ovh-kubernetes");
    expect(platform.environment).toBe(env);
    expect(platform.system_pool).toEqual({ flavor: "b2-7", min: 3, max: 5 });
    expect(platform.applications_pool.flavor).toBe("b2-15");
  });
});

describe.skipIf(!terraform)("terraform CLI", () => {
  if (!terraform) console.log("SKIPPED terraform fmt/validate: terraform is not on PATH");

  it("terraform fmt -check -recursive infra", () => {
    const result = run(["fmt", "-check", "-recursive", "infra"]);
    expect(result.stdout, result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("terraform validate of the module (needs the ovh provider: skipped offline)", (ctx) => {
    const work = mkdtempSync(path.join(os.tmpdir(), "keiko-tf-"));
    try {
      cpSync(MODULE, work, { recursive: true });
      const init = run(["init", "-backend=false", "-input=false", "-no-color"], work);
      if (init.status !== 0) {
        console.log(
          "SKIPPED terraform validate: `terraform init` could not install ovh/ovh (offline?)",
        );
        ctx.skip();
      }
      const validate = run(["validate", "-no-color"], work);
      expect(validate.status, validate.stdout + validate.stderr).toBe(0);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it("no local state or provider cache is committed under infra/", () => {
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? [e.name, ...walk(path.join(dir, e.name))] : [e.name],
      );
    const names = walk(path.join(REPO_ROOT, "infra"));
    expect(names.filter((n) => n === ".terraform" || n.endsWith(".tfstate"))).toEqual([]);
  });
});
