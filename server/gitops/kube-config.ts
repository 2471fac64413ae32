import { existsSync } from "node:fs";
import path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";

const SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

export type ClusterSettings = { KUBECONFIG?: string; KUBERNETES_SERVICE_HOST?: string };

/**
 * The cluster the console talks to: KUBECONFIG when set, else the pod's service account when
 * running in a cluster, else none (the page then shows the overlays only). ~/.kube/config is
 * deliberately not picked up by itself, so a developer's laptop context is never used by accident.
 */
export function loadClusterConfig(settings: ClusterSettings): KubeConfig | null {
  const kubeConfig = new KubeConfig();
  if (settings.KUBECONFIG) {
    const files = settings.KUBECONFIG.split(path.delimiter).filter(Boolean);
    if (files.length === 1 && files[0]) kubeConfig.loadFromFile(files[0]);
    else kubeConfig.loadFromDefault();
    return kubeConfig;
  }
  if (settings.KUBERNETES_SERVICE_HOST && existsSync(SERVICE_ACCOUNT_TOKEN)) {
    kubeConfig.loadFromCluster();
    return kubeConfig;
  }
  return null;
}

/** A KubeConfig for one API server URL and bearer token (tests and the e2e stand-in). */
export function kubeConfigFor(server: string, token = "stand-in-token"): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "stand-in", server, skipTLSVerify: true }],
    users: [{ name: "console", token }],
    contexts: [{ name: "stand-in", cluster: "stand-in", user: "console" }],
    currentContext: "stand-in",
  });
  return kubeConfig;
}
