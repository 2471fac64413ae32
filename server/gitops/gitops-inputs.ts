import { z } from "zod";
import { DomainNameSchema } from "@/lib/contracts/domains";
import { ENVIRONMENTS } from "./argocd-names";

/** A Kubernetes object name (DNS-1123 subdomain). */
export const ApplicationNameSchema = z
  .string()
  .trim()
  .max(253)
  .regex(
    /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
    "must be an Application name like keiko-identity-production",
  );

export const EnvironmentSchema = z.enum(ENVIRONMENTS, {
  error: () => `environment must be one of ${ENVIRONMENTS.join(", ")}`,
});

export const ApplicationRefSchema = z.object({ name: ApplicationNameSchema });

export const SyncInputSchema = z.object({
  name: ApplicationNameSchema,
  /** A commit, tag or branch; the Application's targetRevision when omitted. */
  revision: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .regex(/^[\w./-]+$/, "must be a Git revision")
    .optional(),
  prune: z.boolean().optional(),
});

export const RefreshInputSchema = z.object({
  name: ApplicationNameSchema,
  kind: z.enum(["normal", "hard"]).default("normal"),
});

export const RollbackInputSchema = z.object({
  name: ApplicationNameSchema,
  historyId: z.number().int().min(0),
});

export const DomainRollbackInputSchema = z.object({
  domain: DomainNameSchema,
  environment: EnvironmentSchema,
  reason: z.string().trim().min(3, "say why, in a few words").max(500),
});

export const DomainEnvironmentSchema = z.object({
  domain: DomainNameSchema,
  environment: EnvironmentSchema,
});
