import { applicationName, type Environment, LABELS } from "../argocd-names";

export const REPO_URL = "https://github.com/keiko-platform/keiko-control-plane.git";

export type FixtureAppOptions = {
  service: string;
  domain: string;
  environment: Environment;
  /** The deployed revision, newest last; each one becomes a history entry. */
  revisions: string[];
  health?: string;
  sync?: string;
  automated?: boolean;
  images?: string[];
  namespace?: string;
};

/** An Application as Argo CD leaves it after syncing `revisions` in order (valid against its schema). */
export function fixtureApplication(options: FixtureAppOptions) {
  const namespace = options.namespace ?? "argocd";
  const revisions = options.revisions;
  const current = revisions.at(-1) ?? "0000000";
  const health = options.health ?? "Healthy";
  const source = {
    repoURL: REPO_URL,
    path: `k8s/overlays/${options.environment}`,
    targetRevision: "main",
  };
  const base = Date.parse("2026-12-01T10:00:00Z");
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: {
      name: applicationName(options.service, options.environment),
      namespace,
      labels: {
        [LABELS.service]: options.service,
        [LABELS.domain]: options.domain,
        [LABELS.environment]: options.environment,
      },
    },
    spec: {
      project: "keiko",
      source,
      destination: {
        server: "https://kubernetes.default.svc",
        namespace: `keiko-${options.environment}`,
      },
      syncPolicy: options.automated === false ? {} : { automated: { prune: true, selfHeal: true } },
    },
    status: {
      sync: { status: options.sync ?? "Synced", revision: current },
      health: { status: health },
      summary: {
        images: options.images ?? [`registry.example/keiko/${options.service}:${current}`],
      },
      resources: [
        {
          group: "apps",
          version: "v1",
          kind: "Deployment",
          namespace: `keiko-${options.environment}`,
          name: options.service,
          status: "Synced",
          health: { status: health },
        },
        {
          group: "",
          version: "v1",
          kind: "Service",
          namespace: `keiko-${options.environment}`,
          name: options.service,
          status: "Synced",
          health: { status: "Healthy" },
        },
        {
          group: "",
          version: "v1",
          kind: "ConfigMap",
          namespace: `keiko-${options.environment}`,
          name: `${options.service}-config`,
          status: "Synced",
        },
      ],
      history: revisions.map((revision, id) => ({
        id,
        revision,
        deployStartedAt: new Date(base + id * 3_600_000).toISOString(),
        deployedAt: new Date(base + id * 3_600_000 + 30_000).toISOString(),
        source,
        initiatedBy: { automated: true },
      })),
      operationState: {
        operation: { sync: { revision: current } },
        phase: "Succeeded",
        message: "successfully synced (all tasks run)",
        startedAt: new Date(base + (revisions.length - 1) * 3_600_000).toISOString(),
        finishedAt: new Date(base + (revisions.length - 1) * 3_600_000 + 30_000).toISOString(),
        syncResult: { revision: current, resources: [] },
      },
    },
  };
}
