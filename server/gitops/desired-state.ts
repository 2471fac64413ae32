import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { parse, parseAllDocuments } from "yaml";
import { z } from "zod";
import { ENVIRONMENTS, type Environment } from "./argocd-names";

const run = promisify(execFile);

/** The kustomize `images:` entries the deploy workflow edits (`keiko/<service>`). */
const KustomizationSchema = z.looseObject({
  resources: z.array(z.string()).optional(),
  images: z
    .array(
      z.looseObject({
        name: z.string(),
        newName: z.string().optional(),
        newTag: z.union([z.string(), z.number()]).optional(),
        digest: z.string().optional(),
      }),
    )
    .optional(),
});

export type DesiredEnvironment = {
  environment: Environment;
  /** How it was read: rendered by kubectl, or only the overlay's kustomization.yaml. */
  source: "kubectl kustomize" | "kustomization.yaml" | "missing";
  /** service → the image the overlay asks for. */
  images: Record<string, string>;
  /** What the overlay renders to (kubectl only). */
  objects: Array<{ kind: string; name: string; namespace: string | null }>;
  problem: string | null;
};

const SERVICE_IMAGE = /^keiko\/([a-z0-9-]+)$/;

function imageOf(entry: {
  name: string;
  newName?: string;
  newTag?: string | number;
  digest?: string;
}) {
  const repository = entry.newName ?? entry.name;
  if (entry.digest) return `${repository}@${entry.digest}`;
  return entry.newTag !== undefined ? `${repository}:${entry.newTag}` : repository;
}

/** The `keiko/<service>` images one kustomization.yaml sets, with its local resources' names. */
async function readKustomization(dir: string) {
  const text = await readFile(path.join(dir, "kustomization.yaml"), "utf8");
  return KustomizationSchema.parse(parse(text) ?? {});
}

/**
 * The images an overlay asks for: its own `images:` and those of the folders it lists as
 * resources (k8s/overlays/<env>/<service>/, the path of each service's Argo CD Application).
 */
async function readImages(dir: string): Promise<Record<string, string>> {
  const overlay = await readKustomization(dir);
  const nested = await Promise.all(
    (overlay.resources ?? [])
      .filter((resource) => !resource.includes("..") && !resource.endsWith(".yaml"))
      .map((resource) => readKustomization(path.join(dir, resource)).catch(() => null)),
  );
  const images: Record<string, string> = {};
  for (const kustomization of [overlay, ...nested]) {
    for (const entry of kustomization?.images ?? []) {
      const service = SERVICE_IMAGE.exec(entry.name)?.[1];
      if (service) images[service] = imageOf(entry);
    }
  }
  return images;
}

async function render(dir: string): Promise<DesiredEnvironment["objects"] | null> {
  try {
    const { stdout } = await run("kubectl", ["kustomize", dir], {
      timeout: 20_000,
      maxBuffer: 32 << 20,
    });
    return parseAllDocuments(stdout)
      .map(
        (doc) =>
          doc.toJSON() as {
            kind?: string;
            metadata?: { name?: string; namespace?: string };
          } | null,
      )
      .filter((object) => object?.kind)
      .map((object) => ({
        kind: object?.kind ?? "",
        name: object?.metadata?.name ?? "",
        namespace: object?.metadata?.namespace ?? null,
      }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new Error(
      `kubectl kustomize ${dir} failed: ${(error as { stderr?: string }).stderr?.trim() || (error as Error).message}`,
    );
  }
}

/** One environment's desired state from its overlay. Never throws: a problem is reported. */
export async function readDesiredEnvironment(
  overlaysDir: string,
  environment: Environment,
): Promise<DesiredEnvironment> {
  const dir = path.resolve(overlaysDir, environment);
  try {
    const images = await readImages(dir);
    const objects = await render(dir);
    return {
      environment,
      source: objects ? "kubectl kustomize" : "kustomization.yaml",
      images,
      objects: objects ?? [],
      problem: null,
    };
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    return {
      environment,
      source: "missing",
      images: {},
      objects: [],
      problem: missing ? `no overlay at ${dir}` : (error as Error).message,
    };
  }
}

const cache = new Map<string, { at: number; value: Promise<DesiredEnvironment[]> }>();
const CACHE_MS = 15_000;

/** Every environment's desired state, re-read at most every 15 s (kubectl takes a while on 2 cores). */
export function readDesiredState(overlaysDir: string): Promise<DesiredEnvironment[]> {
  const hit = cache.get(overlaysDir);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.value;
  const value = Promise.all(ENVIRONMENTS.map((env) => readDesiredEnvironment(overlaysDir, env)));
  cache.set(overlaysDir, { at: Date.now(), value });
  return value;
}
