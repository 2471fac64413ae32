import { DOMAIN_NAMES } from "@/lib/contracts/domains";
import type { ApplicationView } from "./application-view";
import { ENVIRONMENTS, type Environment } from "./argocd-names";
import { type DesiredEnvironment, readDesiredState } from "./desired-state";
import { type GitopsRuntime, startedCache } from "./gitops-runtime";
import { type ImageDrift, imageDrift, serviceImage } from "./image-drift";

export type ApplicationRow = ApplicationView & {
  deployedImage: string | null;
  desiredImage: string | null;
  drift: ImageDrift;
};

export type ClusterStatus = {
  configured: boolean;
  state: "none" | "starting" | "live" | "error";
  message: string | null;
  namespace: string;
  resourceVersion: string | null;
};

function clusterStatus(runtime: GitopsRuntime): ClusterStatus {
  const { cache } = runtime;
  if (!cache) {
    return {
      configured: false,
      state: "none",
      message:
        runtime.configProblem ??
        "No Kubernetes cluster is configured (no KUBECONFIG, not running in a cluster): showing the desired state from the overlays.",
      namespace: runtime.namespace,
      resourceVersion: null,
    };
  }
  return {
    configured: true,
    state: cache.state,
    message: cache.lastError,
    namespace: runtime.namespace,
    resourceVersion: cache.resourceVersion || null,
  };
}

async function applications(runtime: GitopsRuntime, waitMs?: number): Promise<ApplicationView[]> {
  if (!runtime.cache) return [];
  return (await startedCache(runtime.cache, waitMs)).snapshot();
}

/** The GitOps page: Applications by environment beside the overlays' desired images. */
export async function gitopsOverview(runtime: GitopsRuntime) {
  const [apps, desired] = await Promise.all([
    applications(runtime),
    readDesiredState(runtime.overlaysDir),
  ]);
  const desiredOf = new Map<Environment, DesiredEnvironment>(
    desired.map((d) => [d.environment, d]),
  );
  const rows: ApplicationRow[] = apps.map((app) => {
    const want =
      app.environment && app.service
        ? (desiredOf.get(app.environment)?.images[app.service] ?? null)
        : null;
    return {
      ...app,
      deployedImage: serviceImage(app.images, app.service),
      desiredImage: want,
      drift: imageDrift(app.images, want),
    };
  });
  return {
    cluster: clusterStatus(runtime),
    environments: ENVIRONMENTS.map((environment) => ({
      environment,
      applications: rows.filter((row) => row.environment === environment),
      desired: desiredOf.get(environment) ?? null,
    })),
    /** Applications without a keiko environment label or name suffix. */
    other: rows.filter((row) => row.environment === null),
  };
}

export type DomainAppHealth = {
  application: string;
  sync: string;
  health: string;
  revision: string | null;
};

/**
 * Each domain's Application health and sync per environment, for the board and the wall; waits
 * up to `waitMs` for a watch still starting (0: what the cache holds now).
 */
export async function domainHealth(runtime: GitopsRuntime, waitMs?: number) {
  const apps = await applications(runtime, waitMs);
  const domains = DOMAIN_NAMES.map((domain) => ({
    domain,
    environments: Object.fromEntries(
      ENVIRONMENTS.map((environment) => {
        const app = apps.find(
          (a) =>
            a.domain === domain &&
            a.environment === environment &&
            (a.service ?? domain) === domain,
        );
        const health: DomainAppHealth | null = app
          ? {
              application: app.name,
              sync: app.syncStatus,
              health: app.healthStatus,
              revision: app.revision,
            }
          : null;
        return [environment, health];
      }),
    ) as Record<Environment, DomainAppHealth | null>,
  }));
  return { cluster: clusterStatus(runtime), domains };
}
