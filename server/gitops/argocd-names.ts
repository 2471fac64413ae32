/** The Argo CD Application resource as the Kubernetes API names it. */
export const APPLICATION_RESOURCE = {
  group: "argoproj.io",
  version: "v1alpha1",
  plural: "applications",
} as const;

export const ENVIRONMENTS = ["dev", "staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** Labels every keiko Application carries (the k8s/ naming contract). */
export const LABELS = {
  service: "keiko.io/service",
  domain: "keiko.io/domain",
  environment: "keiko.io/environment",
} as const;

/** Argo CD re-reads Git (normal) or also drops its manifest cache (hard) when this annotation is set. */
export const REFRESH_ANNOTATION = "argocd.argoproj.io/refresh";

/** Where a paused Application keeps the automated sync policy it had, so it can be put back. */
export const PAUSED_POLICY_ANNOTATION = "keiko.io/paused-sync-policy";

/** `keiko-<service>-<env>`: one Application per service and environment. */
export function applicationName(service: string, environment: Environment): string {
  return `keiko-${service}-${environment}`;
}

/** The path of the Applications collection, as the watch and list calls use it. */
export function applicationsPath(namespace: string): string {
  const { group, version, plural } = APPLICATION_RESOURCE;
  return `/apis/${group}/${version}/namespaces/${namespace}/${plural}`;
}
