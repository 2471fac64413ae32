import { beforeAll, describe, expect, it } from "vitest";
import {
  ENVIRONMENTS,
  hasKubectl,
  type K8sObject,
  podTemplate,
  render,
  selects,
} from "./kustomize";
import {
  EXTERNAL_PEERS,
  flowKey,
  IN_CLUSTER_PODS,
  KEIKO_PROCESSES,
  type KeikoProcess,
  NEEDED_FLOWS,
} from "./needed-flows";
import { allowedFlows } from "./network-flows";

const kubectl = hasKubectl();
if (!kubectl)
  console.log("SKIPPED k8s policy checks: kubectl is not on PATH (.ci/run installs it)");

const HTTP_PROCESSES = Object.keys(KEIKO_PROCESSES).filter(
  (name) => !name.endsWith("-consumer") && KEIKO_PROCESSES[name as KeikoProcess] < 9000,
);
const SERVICES_WITH_DATABASE = [
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
];
// biome-ignore lint/suspicious/noExplicitAny: rendered YAML
const containersOf = (obj: K8sObject): any[] => podTemplate(obj)?.spec?.containers ?? [];
const databaseSecretOf = (obj: K8sObject): string | undefined =>
  containersOf(obj)
    .flatMap((c) => c.env ?? [])
    .find((e) => e.name === "DATABASE_URL")?.valueFrom?.secretKeyRef?.name;

/** Problems of one workload against the pod rules every Deployment must follow. */
function workloadProblems(obj: K8sObject): string[] {
  const problems: string[] = [];
  const pod = podTemplate(obj)?.spec ?? {};
  const name = `${obj.kind}/${obj.metadata.name}`;
  for (const c of containersOf(obj)) {
    const where = `${name}/${c.name}`;
    if (!c.readinessProbe) problems.push(`${where}: no readiness probe`);
    if (!c.livenessProbe) problems.push(`${where}: no liveness probe`);
    for (const kind of ["requests", "limits"]) {
      for (const resource of ["cpu", "memory"]) {
        if (!c.resources?.[kind]?.[resource]) problems.push(`${where}: no ${resource} ${kind}`);
      }
    }
    const nonRoot = c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
    if (nonRoot !== true) problems.push(`${where}: may run as root`);
    if (c.securityContext?.readOnlyRootFilesystem !== true) {
      problems.push(`${where}: writable root filesystem`);
    }
    if (c.securityContext?.allowPrivilegeEscalation !== false) {
      problems.push(`${where}: privilege escalation allowed`);
    }
  }
  return problems;
}

describe.skipIf(!kubectl)("policy over the rendered overlays", () => {
  const rendered = new Map<string, K8sObject[]>();
  beforeAll(() => {
    for (const env of ENVIRONMENTS) rendered.set(env, render(`k8s/overlays/${env}`));
  });
  const objects = (env: string, kind?: string) =>
    (rendered.get(env) ?? []).filter((o) => !kind || o.kind === kind);

  for (const env of ENVIRONMENTS) {
    describe(env, () => {
      it("every Deployment and StatefulSet has probes, requests, limits, non-root, read-only root", () => {
        const workloads = [...objects(env, "Deployment"), ...objects(env, "StatefulSet")];
        expect(workloads.length).toBeGreaterThan(Object.keys(KEIKO_PROCESSES).length);
        expect(workloads.flatMap(workloadProblems)).toEqual([]);
      });

      it("node agents (DaemonSets: log shipper, Instana) are bounded by requests and limits", () => {
        const daemonSets = objects(env, "DaemonSet");
        expect(daemonSets.map((d) => d.metadata.name).sort()).toEqual([
          "filebeat",
          "instana-agent",
        ]);
        for (const c of daemonSets.flatMap(containersOf)) {
          for (const kind of ["requests", "limits"]) {
            expect(c.resources?.[kind]?.cpu, `${c.name} ${kind}`).toBeDefined();
            expect(c.resources?.[kind]?.memory, `${c.name} ${kind}`).toBeDefined();
          }
        }
      });

      it("every Keiko process runs, probed on /readyz and /healthz of its port", () => {
        for (const [name, port] of Object.entries(KEIKO_PROCESSES)) {
          const deployment = objects(env, "Deployment").find((d) => d.metadata.name === name);
          expect(deployment, name).toBeDefined();
          const [c] = containersOf(deployment as K8sObject);
          const portNamed = (p: string | number) =>
            p === port ||
            c.ports.find((x: { name: string }) => x.name === p)?.containerPort === port;
          expect(c.readinessProbe.httpGet.path, name).toBe("/readyz");
          expect(c.livenessProbe.httpGet.path, name).toBe("/healthz");
          expect(portNamed(c.readinessProbe.httpGet.port), name).toBe(true);
        }
      });

      it("every Keiko process drains within its grace period (SHUTDOWN_TIMEOUT_MS)", () => {
        const config = objects(env, "ConfigMap").find((c) => c.metadata.name === "keiko-platform");
        const timeoutMs = Number(config?.data?.SHUTDOWN_TIMEOUT_MS);
        expect(timeoutMs).toBeGreaterThan(Number(config?.data?.SHUTDOWN_DELAY_MS));
        for (const name of Object.keys(KEIKO_PROCESSES)) {
          const deployment = objects(env, "Deployment").find((d) => d.metadata.name === name);
          const pod = deployment?.spec.template.spec;
          expect(pod.terminationGracePeriodSeconds * 1000, name).toBeGreaterThan(timeoutMs);
          const sources = containersOf(deployment as K8sObject)[0].envFrom.map(
            (e: { configMapRef?: { name: string } }) => e.configMapRef?.name,
          );
          expect(sources, name).toContain("keiko-platform");
        }
      });

      it("each service has its own database Secret; a consumer uses its service's", () => {
        const deployments = objects(env, "Deployment");
        const secretOf = (name: string) =>
          databaseSecretOf(deployments.find((d) => d.metadata.name === name) as K8sObject);
        const secrets = SERVICES_WITH_DATABASE.map(secretOf);
        expect(secrets.every(Boolean), JSON.stringify(secrets)).toBe(true);
        expect(new Set(secrets).size).toBe(SERVICES_WITH_DATABASE.length);
        for (const name of Object.keys(KEIKO_PROCESSES).filter((n) => n.endsWith("-consumer"))) {
          expect(secretOf(name), name).toBe(secretOf(name.replace(/-consumer$/, "")));
        }
      });

      it("no Secret carries data, and no secret-looking variable has a literal value", () => {
        for (const secret of objects(env, "Secret")) {
          expect(secret.data ?? secret.stringData, secret.metadata.name).toBeUndefined();
        }
        const literal = (rendered.get(env) ?? [])
          .flatMap(containersOf)
          .flatMap((c) => c.env ?? [])
          .filter((e) => /SECRET|PASSWORD|TOKEN|_KEY$/.test(e.name) && e.value !== undefined);
        expect(literal).toEqual([]);
      });

      it("every image carries a tag or digest, and never `latest`", () => {
        const images = (rendered.get(env) ?? []).flatMap((o) =>
          [...containersOf(o), ...(podTemplate(o)?.spec?.initContainers ?? [])].map(
            (c) => c.image as string,
          ),
        );
        const loose = images.filter((image) => {
          if (image.includes("@sha256:")) return false;
          const tag = image.split("/").at(-1)?.split(":")[1];
          return !tag || tag === "latest";
        });
        expect(loose).toEqual([]);
      });

      it("every Service selects some workload's pods, on a port they expose", () => {
        const pods = (rendered.get(env) ?? []).map(podTemplate).filter(Boolean);
        for (const service of objects(env, "Service")) {
          const matching = pods.filter((p) => selects(service.spec.selector, p.metadata.labels));
          expect(matching.length, service.metadata.name).toBeGreaterThan(0);
          const exposed = matching.flatMap((p) =>
            p.spec.containers.flatMap((c: { ports?: { name: string; containerPort: number }[] }) =>
              (c.ports ?? []).flatMap((x) => [x.name, x.containerPort]),
            ),
          );
          for (const port of service.spec.ports) {
            expect(exposed, `${service.metadata.name}:${port.targetPort}`).toContain(
              port.targetPort ?? port.port,
            );
          }
        }
      });

      it("what serves traffic has a HorizontalPodAutoscaler, a PodDisruptionBudget and a Service", () => {
        for (const name of HTTP_PROCESSES) {
          const hpa = objects(env, "HorizontalPodAutoscaler").find(
            (h) => h.spec.scaleTargetRef.name === name,
          );
          expect(hpa, `HPA ${name}`).toBeDefined();
          const podLabels = objects(env, "Deployment").find((d) => d.metadata.name === name)?.spec
            .template.metadata.labels;
          expect(
            objects(env, "PodDisruptionBudget").some((p) =>
              selects(p.spec.selector.matchLabels, podLabels),
            ),
            `PDB ${name}`,
          ).toBe(true);
          expect(
            objects(env, "Service").some((s) => s.metadata.name === name),
            name,
          ).toBe(true);
        }
      });

      it("the gateway and the console are reachable through an Ingress, and nothing else", () => {
        const backends = objects(env, "Ingress").flatMap((ingress) =>
          ingress.spec.rules.flatMap((rule: { http: { paths: { backend: unknown }[] } }) =>
            rule.http.paths.map((p) => (p.backend as { service: { name: string } }).service.name),
          ),
        );
        expect(backends.sort()).toEqual(["api-gateway", "console"]);
      });

      it("NetworkPolicies deny by default and allow exactly the needed flows", () => {
        const policies = objects(env, "NetworkPolicy");
        const denyAll = policies.find(
          (p) => Object.keys(p.spec.podSelector).length === 0 && !p.spec.ingress && !p.spec.egress,
        );
        expect(denyAll?.spec.policyTypes?.sort()).toEqual(["Egress", "Ingress"]);
        const allowed = allowedFlows(policies);
        expect(allowed.problems).toEqual([]);
        const needed = NEEDED_FLOWS.map(flowKey);
        const inCluster = (peer: string) => !(EXTERNAL_PEERS as readonly string[]).includes(peer);
        // a flow needs the source's egress and the target's ingress, where they are our pods
        const missingEgress = NEEDED_FLOWS.filter((f) => inCluster(f.from))
          .map(flowKey)
          .filter((k) => !allowed.egress.has(k));
        const missingIngress = NEEDED_FLOWS.filter((f) => inCluster(f.to))
          .map(flowKey)
          .filter((k) => !allowed.ingress.has(k));
        expect({ missingEgress, missingIngress }).toEqual({
          missingEgress: [],
          missingIngress: [],
        });
        const extra = [...allowed.egress, ...allowed.ingress].filter((k) => !needed.includes(k));
        expect(extra).toEqual([]);
      });

      it("the table's pods are exactly the workloads rendered", () => {
        const names = (rendered.get(env) ?? [])
          .map(podTemplate)
          .filter(Boolean)
          .map((t) => t.metadata.labels["app.kubernetes.io/name"]);
        expect(names.sort()).toEqual([...IN_CLUSTER_PODS].sort());
      });
    });
  }

  it("the flow check fails on an extra or a missing flow", () => {
    const policies = structuredClone(objects("dev", "NetworkPolicy"));
    const gateway = policies.find((p) => p.metadata.name === "api-gateway") as K8sObject;
    gateway.spec.egress.push({
      to: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "data-sync" } } }],
      ports: [{ port: 9102, protocol: "TCP" }],
    });
    expect([...allowedFlows(policies).egress]).toContain("api-gateway -> data-sync:9102/TCP");
    const redis = policies.find((p) => p.metadata.name === "redis") as K8sObject;
    redis.spec.ingress = [];
    expect([...allowedFlows(policies).ingress]).not.toContain("console -> redis:6379/TCP");
  });

  it("production pins its images: dev and production tags come from their own overlays", () => {
    const image = (env: string) =>
      containersOf(
        objects(env, "Deployment").find((d) => d.metadata.name === "identity") as K8sObject,
      )[0].image as string;
    expect(image("production")).toMatch(/container-registry\.ovh\.net\/keiko\/identity[:@]/);
    expect(image("production")).not.toMatch(/:latest$/);
  });
});
