import { beforeAll, describe, expect, it } from "vitest";
import { WORKER_ADMIN_PORTS } from "@/scripts/launcher/admin-ports";
import { ENVIRONMENTS, hasKubectl, type K8sObject, render } from "./kustomize";
import { KEIKO_PROCESSES, type KeikoProcess } from "./needed-flows";
import { PROCESS_ENV, SECRET_SAMPLES } from "./process-env";
import { gracePeriodProblems, processProblems } from "./process-policy";

const PROCESSES = Object.keys(KEIKO_PROCESSES) as KeikoProcess[];

/** The env holding one sample per requirement (the first of an either-or pair). */
function requiredOnly(name: KeikoProcess): Record<string, string> {
  const env: Record<string, string> = {};
  for (const requirement of PROCESS_ENV[name].required) {
    const first = typeof requirement === "string" ? requirement : requirement[0];
    if (first) env[first] = SECRET_SAMPLES[first] as string;
  }
  return env;
}

describe("the table of variables each process requires (deploy/process-env.ts)", () => {
  it("names the launcher's admin port of every worker, and the flow table's", () => {
    for (const [name, port] of Object.entries(WORKER_ADMIN_PORTS)) {
      expect(KEIKO_PROCESSES[name as KeikoProcess], name).toBe(port);
    }
  });

  it.each(PROCESSES)("%s starts with its required variables and nothing else", (name) => {
    expect(() => PROCESS_ENV[name].load(requiredOnly(name))).not.toThrow();
  });

  it.each(PROCESSES)("%s refuses to start without each required variable", (name) => {
    expect(() => PROCESS_ENV[name].load(requiredOnly(name))).not.toThrow();
    for (const requirement of PROCESS_ENV[name].required) {
      const env: Record<string, string | undefined> = requiredOnly(name);
      const members = typeof requirement === "string" ? [requirement] : requirement;
      for (const member of members) delete env[member];
      // the refusal names the missing variable, not another one
      expect(() => PROCESS_ENV[name].load(env), String(requirement)).toThrow(
        new RegExp(`configuration: (${members.join("|")})\\b`),
      );
    }
  });
});

describe("the grace period check", () => {
  it("uses the lifecycle's defaults (3 s + 10 s) and the pod's values", () => {
    expect(gracePeriodProblems(13, {})).toEqual([]);
    expect(gracePeriodProblems(12, {})).toHaveLength(1);
    expect(
      gracePeriodProblems(20, { SHUTDOWN_DELAY_MS: "5000", SHUTDOWN_TIMEOUT_MS: "20000" }),
    ).toHaveLength(1);
    expect(gracePeriodProblems(undefined, { SHUTDOWN_TIMEOUT_MS: "27000" })).toEqual([]);
  });
});

const kubectl = hasKubectl();
if (!kubectl) console.log("SKIPPED process env checks: kubectl is not on PATH");

describe.skipIf(!kubectl)(
  "each rendered process Deployment against its lifecycle and config",
  () => {
    const rendered = new Map<string, K8sObject[]>();
    beforeAll(() => {
      for (const env of ENVIRONMENTS) rendered.set(env, render(`k8s/overlays/${env}`));
    });
    const deploymentOf = (env: string, name: string) =>
      (rendered.get(env) ?? []).find(
        (o) => o.kind === "Deployment" && o.metadata.name === name,
      ) as K8sObject;

    for (const env of ENVIRONMENTS) {
      it(`${env}: every process has its variables, HOST 0.0.0.0, one probed port, enough grace`, () => {
        const objects = rendered.get(env) ?? [];
        const problems = PROCESSES.flatMap((name) => {
          const deployment = deploymentOf(env, name);
          return deployment
            ? processProblems(name, deployment, objects)
            : [`${name}: no Deployment`];
        });
        expect(problems).toEqual([]);
      });
    }

    /** The problems of `name` in dev after `change` to a copy of its Deployment. */
    function problemsAfter(name: KeikoProcess, change: (d: K8sObject) => void): string[] {
      const objects = structuredClone(rendered.get("dev") ?? []);
      const deployment = objects.find(
        (o) => o.kind === "Deployment" && o.metadata.name === name,
      ) as K8sObject;
      change(deployment);
      return processProblems(name, deployment, objects);
    }
    const container = (d: K8sObject) => d.spec.template.spec.containers[0];

    it("finds a worker whose ADMIN_PORT is not its probed port", () => {
      const problems = problemsAfter("data-sync", (d) => {
        container(d).env.push({ name: "ADMIN_PORT", value: "9999" });
      });
      expect(problems.join("\n")).toMatch(/ADMIN_PORT 9999 is not the probed port 9102/);
    });

    it("finds a process that binds 127.0.0.1, and a console started with another address", () => {
      expect(
        problemsAfter("identity", (d) => {
          container(d).env.push({ name: "HOST", value: "127.0.0.1" });
        }).join("\n"),
      ).toMatch(/HOST is not 0\.0\.0\.0/);
      expect(
        problemsAfter("console", (d) => {
          container(d).command = [
            "node",
            "scripts/console-server.ts",
            "-p",
            "3000",
            "-H",
            "127.0.0.1",
          ];
        }).join("\n"),
      ).toMatch(/-H is not 0\.0\.0\.0/);
    });

    it("finds a grace period shorter than the stop, and a missing required variable", () => {
      expect(
        problemsAfter("outbox-relay", (d) => {
          d.spec.template.spec.terminationGracePeriodSeconds = 10;
        }).join("\n"),
      ).toMatch(/terminationGracePeriodSeconds 10 is below/);
      expect(
        problemsAfter("slo-guard", (d) => {
          container(d).env = [];
        }).join("\n"),
      ).toMatch(/requires SERVICE_TOKEN_SECRET/);
      expect(
        problemsAfter("console", (d) => {
          container(d).envFrom = container(d).envFrom.slice(0, 1);
        }).join("\n"),
      ).toMatch(/LEGACY_URL is not set/);
    });
  },
);
