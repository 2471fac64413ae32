import {
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { DomainError } from "@/server/errors";
import { type ApplicationObject, ApplicationObjectSchema } from "./application-view";
import { APPLICATION_RESOURCE } from "./argocd-names";
import { toGitopsError } from "./kube-errors";

export type ApplicationList = { items: ApplicationObject[]; resourceVersion: string };

/** Reads and patches argoproj.io/v1alpha1 Applications in one namespace. */
export class ApplicationClient {
  private readonly api: CustomObjectsApi;
  constructor(
    readonly kubeConfig: KubeConfig,
    readonly namespace: string,
  ) {
    this.api = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  async list(): Promise<ApplicationList> {
    try {
      const body = (await this.api.listNamespacedCustomObject({
        ...APPLICATION_RESOURCE,
        namespace: this.namespace,
      })) as { items?: unknown[]; metadata?: { resourceVersion?: string } };
      return {
        items: (body.items ?? []).map((item) => ApplicationObjectSchema.parse(item)),
        resourceVersion: body.metadata?.resourceVersion ?? "",
      };
    } catch (error) {
      throw toGitopsError(error, `listing Applications in ${this.namespace}`);
    }
  }

  async get(name: string): Promise<ApplicationObject> {
    try {
      const body = await this.api.getNamespacedCustomObject({
        ...APPLICATION_RESOURCE,
        namespace: this.namespace,
        name,
      });
      return ApplicationObjectSchema.parse(body);
    } catch (error) {
      throw toGitopsError(error, `Application ${name}`);
    }
  }

  /**
   * A JSON merge patch (RFC 7386), as `kubectl patch --type merge` sends it. Put
   * `metadata.resourceVersion` in the patch to have the server refuse it (409) if the
   * Application changed since it was read.
   */
  async mergePatch(name: string, patch: Record<string, unknown>): Promise<ApplicationObject> {
    try {
      const body = await this.api.patchNamespacedCustomObject(
        { ...APPLICATION_RESOURCE, namespace: this.namespace, name, body: patch },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      );
      return ApplicationObjectSchema.parse(body);
    } catch (error) {
      throw toGitopsError(error, `Application ${name}`);
    }
  }

  /**
   * Reads the Application, builds a patch from it (which may refuse by throwing) and applies it
   * with the read resourceVersion as a precondition; on a 409 (the controller wrote status
   * meanwhile, which it does often) it reads again and retries, at most `attempts` times.
   */
  async update(
    name: string,
    build: (app: ApplicationObject) => Record<string, unknown>,
    attempts = 3,
  ): Promise<{ before: ApplicationObject; after: ApplicationObject }> {
    for (let attempt = 1; ; attempt++) {
      const before = await this.get(name);
      const patch = build(before);
      const metadata = {
        ...(patch.metadata as object),
        resourceVersion: before.metadata.resourceVersion,
      };
      try {
        return { before, after: await this.mergePatch(name, { ...patch, metadata }) };
      } catch (error) {
        const conflict = error instanceof DomainError && error.code === "CONFLICT";
        if (!conflict || attempt >= attempts) throw error;
      }
    }
  }
}
