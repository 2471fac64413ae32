import type { K8sObject } from "./kustomize";

type Model = new (data: unknown) => { validate(): void };

/** The kubernetes-models (or Argo CD models) module that holds `apiVersion`'s kinds. */
function moduleOf(apiVersion: string): string {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (group === "argoproj.io") return `@kubernetes-models/argo-cd/argoproj.io/${version}`;
  return group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`;
}

/**
 * Validates one object against its JSON schema (the Kubernetes OpenAPI schema or Argo CD's CRD
 * schema); throws with the failing path, or when no schema knows the kind.
 */
export async function validateObject(obj: K8sObject): Promise<void> {
  const moduleName = moduleOf(obj.apiVersion);
  const models = (await import(moduleName).catch(() => ({}))) as Record<string, Model | undefined>;
  const model = models[obj.kind];
  if (!model) throw new Error(`no schema for ${obj.apiVersion} ${obj.kind} (${moduleName})`);
  new model(obj).validate();
}
