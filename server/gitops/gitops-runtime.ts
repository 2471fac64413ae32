import type { KubeConfig } from "@kubernetes/client-node";
import { consoleEnv } from "@/lib/config/console";
import type { ControlDb } from "@/server/db/client";
import { controlDb } from "@/server/db/control-db";
import { DomainError } from "@/server/errors";
import { ApplicationCache } from "./application-cache";
import { ApplicationClient } from "./application-client";
import { HealthObserver } from "./health-observations";
import { loadClusterConfig } from "./kube-config";

/** What the GitOps procedures work with: a cluster (or none), its watched Applications, the overlays. */
export type GitopsRuntime = {
  namespace: string;
  overlaysDir: string;
  client: ApplicationClient | null;
  cache: ApplicationCache | null;
  /** Why there is no cluster although one was configured (an unreadable kubeconfig). */
  configProblem: string | null;
  stop(): void;
};

export function createGitopsRuntime(options: {
  kubeConfig: KubeConfig | null;
  namespace: string;
  overlaysDir: string;
  /** Where observed healths are recorded (the timeline); omit to record nothing. */
  db?: ControlDb;
  configProblem?: string | null;
}): GitopsRuntime {
  const client = options.kubeConfig
    ? new ApplicationClient(options.kubeConfig, options.namespace)
    : null;
  const cache = client ? new ApplicationCache(client) : null;
  if (cache && options.db) {
    const observer = new HealthObserver(options.db);
    cache.onChange((view, type) => {
      if (type !== "DELETED") observer.observe(view).catch(() => undefined);
    });
  }
  return {
    namespace: options.namespace,
    overlaysDir: options.overlaysDir,
    client,
    cache,
    configProblem: options.configProblem ?? null,
    stop: () => cache?.stop(),
  };
}

// One runtime (hence one watch) per console process, kept across hot reloads in development.
const holder = globalThis as unknown as { keikoGitops?: GitopsRuntime };

function fromConsoleEnv(): GitopsRuntime {
  const env = consoleEnv();
  const settings = { namespace: env.ARGOCD_NAMESPACE, overlaysDir: env.GITOPS_OVERLAYS_DIR };
  try {
    return createGitopsRuntime({
      ...settings,
      kubeConfig: loadClusterConfig(env),
      db: controlDb(),
    });
  } catch (error) {
    const problem = `the kubeconfig could not be read: ${(error as Error).message}`;
    return createGitopsRuntime({ ...settings, kubeConfig: null, configProblem: problem });
  }
}

/** The console's GitOps runtime, made from its configuration on first use. */
export function gitopsRuntime(): GitopsRuntime {
  holder.keikoGitops ??= fromConsoleEnv();
  return holder.keikoGitops;
}

/** Replaces the process's runtime (tests point it at a stand-in API server); the caller stops the old one. */
export function installGitopsRuntime(runtime: GitopsRuntime | undefined): void {
  holder.keikoGitops = runtime;
}

/** The runtime's cluster, or a plain refusal when the console has none. */
export function requireCluster(runtime: GitopsRuntime): {
  client: ApplicationClient;
  cache: ApplicationCache;
} {
  if (!runtime.client || !runtime.cache) {
    throw new DomainError(
      "BAD_REQUEST",
      runtime.configProblem ??
        "no Kubernetes cluster is configured for the console (set KUBECONFIG, or run it in the cluster)",
    );
  }
  return { client: runtime.client, cache: runtime.cache };
}

/** Starts the watch on first use and waits (bounded) for its first list. */
export async function startedCache(
  cache: ApplicationCache,
  waitMs = 3_000,
): Promise<ApplicationCache> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    cache.start(),
    new Promise((resolve) => {
      timer = setTimeout(resolve, waitMs);
    }),
  ]);
  clearTimeout(timer);
  return cache;
}
