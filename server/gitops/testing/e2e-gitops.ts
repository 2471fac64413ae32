import { rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ENVIRONMENTS } from "../argocd-names";
import { fixtureApplication } from "./fixture-applications";
import { StandInApiServer } from "./stand-in-api-server";

/** The stand-in API server's port in an e2e run: shifted with E2E_PORT like the stack's other ports. */
export function e2eStandInPort(e2ePort = Number(process.env.E2E_PORT ?? 3100)): number {
  return 18443 + (e2ePort - 3100);
}

export const E2E_KUBE_TOKEN = "e2e-stand-in-token";

/** A kubeconfig file pointing at `server` with a bearer token, as `kubectl config view --raw` writes one. */
export function kubeconfigYaml(server: string, token: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "  - name: stand-in",
    // client-node refuses plain http unless TLS verification is off (the stand-in speaks http)
    `    cluster: { server: "${server}", insecure-skip-tls-verify: true }`,
    "users:",
    "  - name: console",
    `    user: { token: "${token}" }`,
    "contexts:",
    "  - name: stand-in",
    "    context: { cluster: stand-in, user: console }",
    "current-context: stand-in",
    "",
  ].join("\n");
}

/**
 * Starts the stand-in Kubernetes API for the e2e console with a few keiko Applications, and
 * returns the console's environment for it (KUBECONFIG, the fixture overlays).
 */
export async function startE2eGitops(runId: string) {
  const api = new StandInApiServer({ token: E2E_KUBE_TOKEN, controllerStepMs: 1_500 });
  const url = await api.listen(e2eStandInPort());
  for (const environment of ENVIRONMENTS) {
    for (const service of ["identity", "learning"]) {
      api.put(
        fixtureApplication({ service, domain: service, environment, revisions: ["aaa1111"] }),
      );
    }
  }
  const file = path.join(tmpdir(), `keiko-e2e-${runId}-kubeconfig.yaml`);
  await writeFile(file, kubeconfigYaml(url, E2E_KUBE_TOKEN), { mode: 0o600 });
  process.once("exit", () => rmSync(file, { force: true }));
  return {
    api,
    env: {
      KUBECONFIG: file,
      ARGOCD_NAMESPACE: "argocd",
      GITOPS_OVERLAYS_DIR: path.join(import.meta.dirname, "overlays"),
    },
  };
}
