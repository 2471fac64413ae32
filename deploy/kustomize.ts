import { execFileSync, spawnSync } from "node:child_process";
import path from "node:path";
import { parseAllDocuments } from "yaml";

export const REPO_ROOT = path.resolve(import.meta.dirname, "..");
export const ENVIRONMENTS = ["dev", "staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** A rendered Kubernetes object, loosely typed: the tests read what they check. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  // biome-ignore lint/suspicious/noExplicitAny: rendered YAML, checked field by field by the tests
  spec?: any;
  // biome-ignore lint/suspicious/noExplicitAny: rendered YAML
  [field: string]: any;
};

/** Whether `kubectl` (with its built-in kustomize) is on PATH. */
export function hasKubectl(): boolean {
  return spawnSync("kubectl", ["version", "--client"], { stdio: "ignore" }).status === 0;
}

/** `kubectl kustomize <dir>` (offline), parsed into objects; throws with kubectl's message. */
export function render(dir: string): K8sObject[] {
  const text = execFileSync("kubectl", ["kustomize", path.resolve(REPO_ROOT, dir)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((obj): obj is K8sObject => obj !== null);
}

/** The pod template of a workload, if the object is one. */
// biome-ignore lint/suspicious/noExplicitAny: rendered YAML
export function podTemplate(obj: K8sObject): any | undefined {
  return ["Deployment", "StatefulSet", "DaemonSet"].includes(obj.kind)
    ? obj.spec?.template
    : undefined;
}

/** Whether every label of `selector` is on `labels`. */
export function selects(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}
