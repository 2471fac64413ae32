import type { K8sObject } from "./kustomize";

/** Where a container's variable comes from, as Kubernetes resolves it (later sources win). */
export type EnvSource =
  | { from: "value"; value: string }
  | { from: "secret"; secret: string; key: string; optional: boolean }
  | { from: "other" };

type EnvFrom = {
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
  prefix?: string;
};
type EnvVar = {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
  };
};
type Container = { name: string; envFrom?: EnvFrom[]; env?: EnvVar[] };

/**
 * The variables of `container` in a rendered namespace: `envFrom` ConfigMaps in order, then
 * `env` (which wins). A referenced ConfigMap that is not rendered is a problem unless optional.
 */
export function containerEnv(
  container: Container,
  objects: readonly K8sObject[],
): { env: Map<string, EnvSource>; problems: string[] } {
  const env = new Map<string, EnvSource>();
  const problems: string[] = [];
  const configMap = (name: string) =>
    objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === name);
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) {
      const map = configMap(source.configMapRef.name);
      if (!map && !source.configMapRef.optional) {
        problems.push(`${container.name}: ConfigMap ${source.configMapRef.name} is not rendered`);
      }
      for (const [key, value] of Object.entries(map?.data ?? {})) {
        env.set(`${source.prefix ?? ""}${key}`, { from: "value", value: String(value) });
      }
    } else {
      problems.push(`${container.name}: envFrom other than a ConfigMap (unchecked)`);
    }
  }
  for (const variable of container.env ?? []) {
    const secret = variable.valueFrom?.secretKeyRef;
    const mapKey = variable.valueFrom?.configMapKeyRef;
    if (variable.value !== undefined) {
      env.set(variable.name, { from: "value", value: variable.value });
    } else if (secret) {
      env.set(variable.name, {
        from: "secret",
        secret: secret.name,
        key: secret.key,
        optional: secret.optional === true,
      });
    } else if (mapKey) {
      const value = configMap(mapKey.name)?.data?.[mapKey.key];
      if (value === undefined && !mapKey.optional) {
        problems.push(`${container.name}: ${variable.name}: ${mapKey.name}/${mapKey.key} missing`);
      }
      if (value !== undefined) env.set(variable.name, { from: "value", value: String(value) });
    } else {
      env.set(variable.name, { from: "other" });
    }
  }
  return { env, problems };
}

/** Whether the variable is surely set: a value, or a Secret key the pod will not start without. */
export function surelySet(source: EnvSource | undefined): boolean {
  if (!source) return false;
  return source.from === "value" || (source.from === "secret" && !source.optional);
}

/** The variables as the process sees them, each Secret key replaced by `samples[name]`. */
export function withSamples(
  env: Map<string, EnvSource>,
  samples: Record<string, string>,
): Record<string, string | undefined> {
  const result: Record<string, string | undefined> = {};
  for (const [name, source] of env) {
    if (source.from === "value") result[name] = source.value;
    else if (source.from === "secret") result[name] = samples[name];
  }
  return result;
}
