import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readDesiredEnvironment } from "./desired-state";
import { imageDrift, serviceImage } from "./image-drift";

const OVERLAYS = path.join(import.meta.dirname, "testing/overlays");
const originalPath = process.env.PATH;
afterAll(() => {
  process.env.PATH = originalPath;
});

describe("the desired state from k8s/overlays", () => {
  it("renders an overlay with kubectl kustomize and reads its keiko/<service> images", async () => {
    const dev = await readDesiredEnvironment(OVERLAYS, "dev");
    expect(dev.source).toBe("kubectl kustomize");
    expect(dev.images).toEqual({
      identity: "registry.example/keiko/identity:bbb2222",
      learning: "registry.example/keiko/learning:bbb2222",
    });
    expect(dev.objects).toContainEqual({
      kind: "Deployment",
      name: "identity",
      namespace: "keiko-dev",
    });
  });

  it("reads kustomization.yaml alone when kubectl is not on PATH", async () => {
    process.env.PATH = "/nonexistent";
    try {
      const production = await readDesiredEnvironment(OVERLAYS, "production");
      expect(production.source).toBe("kustomization.yaml");
      expect(production.images.identity).toBe("registry.example/keiko/identity:aaa1111");
    } finally {
      process.env.PATH = originalPath;
    }
  });

  it("reads the images of the repository's own overlays, set in each service's folder", async () => {
    process.env.PATH = "/nonexistent";
    try {
      const production = await readDesiredEnvironment(
        path.join(import.meta.dirname, "../../k8s/overlays"),
        "production",
      );
      expect(production.problem).toBeNull();
      for (const service of ["console", "api-gateway", "legacy-runtime", "identity", "slo-guard"]) {
        expect(production.images[service]).toMatch(new RegExp(`/keiko/${service}[:@]`));
        expect(production.images[service]).not.toMatch(/:latest$/);
      }
    } finally {
      process.env.PATH = originalPath;
    }
  });

  it("reports a missing overlay and a digest-pinned image", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "overlays-"));
    try {
      const missing = await readDesiredEnvironment(dir, "staging");
      expect(missing).toMatchObject({
        source: "missing",
        problem: expect.stringContaining("no overlay"),
      });
      await import("node:fs/promises").then((fs) => fs.mkdir(path.join(dir, "production")));
      await writeFile(
        path.join(dir, "production/kustomization.yaml"),
        "images:\n  - name: keiko/passport\n    newName: r.example/keiko/passport\n    digest: sha256:abc\n  - name: nginx\n    newTag: '1.27'\n",
      );
      process.env.PATH = "/nonexistent";
      const production = await readDesiredEnvironment(dir, "production");
      expect(production.images).toEqual({ passport: "r.example/keiko/passport@sha256:abc" });
    } finally {
      process.env.PATH = originalPath;
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("image drift", () => {
  it("compares the service's deployed image with the overlay's", () => {
    expect(imageDrift(["docker.io/keiko/identity:1"], "keiko/identity:1")).toBe("in sync");
    expect(imageDrift(["keiko/identity:1"], "keiko/identity:2")).toBe("drift");
    expect(imageDrift([], "keiko/identity:2")).toBe("unknown");
    expect(serviceImage(["otel/collector:1", "r/keiko/identity:2"], "identity")).toBe(
      "r/keiko/identity:2",
    );
  });
});
