import { z } from "zod";
import { ENVIRONMENTS, type Environment, LABELS, PAUSED_POLICY_ANNOTATION } from "./argocd-names";

const SourceSchema = z.looseObject({
  repoURL: z.string().optional(),
  path: z.string().optional(),
  targetRevision: z.string().optional(),
});

const HistoryEntrySchema = z.looseObject({
  id: z.number(),
  revision: z.string().optional(),
  deployedAt: z.string(),
  deployStartedAt: z.string().optional(),
  source: SourceSchema.optional(),
  initiatedBy: z
    .looseObject({ username: z.string().optional(), automated: z.boolean().optional() })
    .optional(),
});

const ResourceSchema = z.looseObject({
  group: z.string().optional(),
  version: z.string().optional(),
  kind: z.string().optional(),
  namespace: z.string().optional(),
  name: z.string().optional(),
  status: z.string().optional(),
  health: z
    .looseObject({ status: z.string().optional(), message: z.string().optional() })
    .optional(),
});

/** The parts of an argoproj.io/v1alpha1 Application the console reads; the rest passes through. */
export const ApplicationObjectSchema = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string().optional(),
    resourceVersion: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.looseObject({
    project: z.string().optional(),
    source: SourceSchema.optional(),
    syncPolicy: z.looseObject({ automated: z.looseObject({}).nullish() }).nullish(),
  }),
  operation: z.looseObject({}).nullish(),
  status: z
    .looseObject({
      sync: z
        .looseObject({ status: z.string().optional(), revision: z.string().optional() })
        .optional(),
      health: z
        .looseObject({ status: z.string().optional(), message: z.string().optional() })
        .optional(),
      history: z.array(HistoryEntrySchema).optional(),
      resources: z.array(ResourceSchema).optional(),
      summary: z.looseObject({ images: z.array(z.string()).optional() }).optional(),
      reconciledAt: z.string().optional(),
      operationState: z
        .looseObject({
          phase: z.string().optional(),
          message: z.string().optional(),
          startedAt: z.string().optional(),
          finishedAt: z.string().optional(),
          syncResult: z.looseObject({ revision: z.string().optional() }).optional(),
          operation: z
            .looseObject({ sync: z.looseObject({ revision: z.string().optional() }).optional() })
            .optional(),
        })
        .optional(),
    })
    .optional(),
});
export type ApplicationObject = z.infer<typeof ApplicationObjectSchema>;
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

/** One Application as the console shows it. */
export type ApplicationView = {
  name: string;
  namespace: string;
  resourceVersion: string;
  service: string | null;
  domain: string | null;
  environment: Environment | null;
  syncStatus: string;
  healthStatus: string;
  healthMessage: string | null;
  revision: string | null;
  targetRevision: string | null;
  autoSync: boolean;
  /** The automated policy a pause took away (annotation), if the Application is paused. */
  pausedPolicy: string | null;
  operationRunning: boolean;
  lastSync: {
    phase: string;
    message: string | null;
    revision: string | null;
    startedAt: string | null;
    finishedAt: string | null;
  } | null;
  resources: Array<{
    group: string;
    kind: string;
    namespace: string;
    name: string;
    status: string;
    health: string | null;
    healthMessage: string | null;
  }>;
  history: Array<{
    id: number;
    revision: string | null;
    deployedAt: string;
    deployStartedAt: string | null;
    initiatedBy: string | null;
  }>;
  images: string[];
};

function environmentOf(value: string | undefined, name: string): Environment | null {
  const candidate = value ?? ENVIRONMENTS.find((env) => name.endsWith(`-${env}`));
  return (ENVIRONMENTS as readonly string[]).includes(candidate ?? "")
    ? (candidate as Environment)
    : null;
}

/** Parses a raw Application (from a list, a get or a watch event) into what the page shows. */
export function toApplicationView(raw: unknown): ApplicationView {
  const app = ApplicationObjectSchema.parse(raw);
  const labels = app.metadata.labels ?? {};
  const status = app.status ?? {};
  const op = status.operationState;
  const annotations = app.metadata.annotations ?? {};
  return {
    name: app.metadata.name,
    namespace: app.metadata.namespace ?? "",
    resourceVersion: app.metadata.resourceVersion ?? "",
    service: labels[LABELS.service] ?? null,
    domain: labels[LABELS.domain] ?? null,
    environment: environmentOf(labels[LABELS.environment], app.metadata.name),
    syncStatus: status.sync?.status ?? "Unknown",
    healthStatus: status.health?.status ?? "Unknown",
    healthMessage: status.health?.message ?? null,
    revision: status.sync?.revision ?? null,
    targetRevision: app.spec.source?.targetRevision ?? null,
    autoSync: Boolean(app.spec.syncPolicy?.automated),
    pausedPolicy: annotations[PAUSED_POLICY_ANNOTATION] ?? null,
    operationRunning: Boolean(app.operation) || op?.phase === "Running",
    lastSync: op
      ? {
          phase: op.phase ?? "Unknown",
          message: op.message ?? null,
          revision: op.syncResult?.revision ?? op.operation?.sync?.revision ?? null,
          startedAt: op.startedAt ?? null,
          finishedAt: op.finishedAt ?? null,
        }
      : null,
    resources: (status.resources ?? []).map((r) => ({
      group: r.group ?? "",
      kind: r.kind ?? "",
      namespace: r.namespace ?? "",
      name: r.name ?? "",
      status: r.status ?? "Unknown",
      health: r.health?.status ?? null,
      healthMessage: r.health?.message ?? null,
    })),
    history: [...(status.history ?? [])]
      .sort((a, b) => b.id - a.id)
      .map((h) => ({
        id: h.id,
        revision: h.revision ?? null,
        deployedAt: h.deployedAt,
        deployStartedAt: h.deployStartedAt ?? null,
        initiatedBy: h.initiatedBy?.username ?? (h.initiatedBy?.automated ? "automated" : null),
      })),
    images: status.summary?.images ?? [],
  };
}
