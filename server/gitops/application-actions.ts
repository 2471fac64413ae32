import { recordAudit } from "@/server/audit/audit-log";
import type { ControlDb } from "@/server/db/client";
import { DomainError } from "@/server/errors";
import { recordTimelineEvent } from "@/server/timeline/record";
import type { ApplicationClient } from "./application-client";
import { type ApplicationObject, type HistoryEntry, toApplicationView } from "./application-view";
import { PAUSED_POLICY_ANNOTATION, REFRESH_ANNOTATION } from "./argocd-names";
import { migrationDomainOf } from "./health-observations";

/** What `argocd app sync` puts in the Application's `operation` field. */
export function syncOperation(
  actor: string,
  sync: { revision?: string; prune?: boolean; source?: unknown },
) {
  return {
    initiatedBy: { username: actor },
    sync: {
      ...(sync.revision && { revision: sync.revision }),
      ...(sync.source !== undefined && { source: sync.source }),
      ...(sync.prune !== undefined && { prune: sync.prune }),
      syncStrategy: { hook: {} },
    },
  };
}

/** Argo CD runs one operation at a time per Application; its CLI refuses a second one too. */
function assertIdle(app: ApplicationObject): void {
  if (app.operation || app.status?.operationState?.phase === "Running") {
    throw new DomainError(
      "CONFLICT",
      `another operation is already in progress on ${app.metadata.name}; wait for it to finish`,
    );
  }
}

/** Sets `operation` as `argocd app sync` does; the controller then syncs and reports in status. */
export async function syncApplication(
  db: ControlDb,
  client: ApplicationClient,
  actor: string,
  request: { name: string; revision?: string; prune?: boolean },
) {
  let revision: string | undefined;
  let operation: ReturnType<typeof syncOperation> | undefined;
  const { before: app, after: patched } = await client.update(request.name, (current) => {
    assertIdle(current);
    revision = request.revision ?? current.spec.source?.targetRevision;
    operation = syncOperation(actor, { revision, prune: request.prune });
    return { operation };
  });
  const view = toApplicationView(patched);
  await db.transaction(async (tx) => {
    await recordAudit(tx, {
      actor,
      action: "gitops.sync",
      target: `application:${request.name}`,
      before: { sync: app.status?.sync?.status, revision: app.status?.sync?.revision },
      after: { operation },
    });
    await recordTimelineEvent(tx, {
      kind: "argocd_sync",
      domain: migrationDomainOf(view),
      summary: `${actor} started a sync of ${request.name} to ${revision ?? "the tracked revision"}`,
      source: "gitops",
      details: {
        application: request.name,
        revision: revision ?? null,
        actor,
        prune: request.prune ?? false,
      },
    });
  });
  return view;
}

/** Sets the refresh annotation as `argocd app get --refresh|--hard-refresh` does. */
export async function refreshApplication(
  db: ControlDb,
  client: ApplicationClient,
  actor: string,
  request: { name: string; kind: "normal" | "hard" },
) {
  const patched = await client.mergePatch(request.name, {
    metadata: { annotations: { [REFRESH_ANNOTATION]: request.kind } },
  });
  await recordAudit(db, {
    actor,
    action: "gitops.refresh",
    target: `application:${request.name}`,
    after: { refresh: request.kind },
  });
  return toApplicationView(patched);
}

function historyEntry(app: ApplicationObject, id: number): HistoryEntry {
  const entry = app.status?.history?.find((h) => h.id === id);
  if (!entry) {
    throw new DomainError("NOT_FOUND", `${app.metadata.name} has no history entry ${id}`);
  }
  return entry;
}

/** Why a rollback cannot run while automated sync is on, said as Argo CD's users need to hear it. */
export const AUTO_SYNC_REFUSAL =
  "Argo CD refuses a rollback while automated sync is on: the controller would sync the Application " +
  "straight back to the newest commit. Pause auto-sync first (the domain rollback does both in one step).";

/** The patch of `argocd app rollback <id>`: a sync of the history entry's revision and source. */
export function rollbackPatch(app: ApplicationObject, entry: HistoryEntry, actor: string) {
  return {
    metadata: { resourceVersion: app.metadata.resourceVersion },
    operation: syncOperation(actor, {
      revision: entry.revision,
      ...(entry.source && { source: entry.source }),
    }),
  };
}

/** Rolls an Application back to an entry of its history, as `argocd app rollback` does. */
export async function rollbackApplication(
  db: ControlDb,
  client: ApplicationClient,
  actor: string,
  request: { name: string; historyId: number },
) {
  let entry: HistoryEntry | undefined;
  const { before: app, after } = await client.update(request.name, (current) => {
    if (current.spec.syncPolicy?.automated) throw new DomainError("CONFLICT", AUTO_SYNC_REFUSAL);
    assertIdle(current);
    entry = historyEntry(current, request.historyId);
    return rollbackPatch(current, entry, actor);
  });
  const view = toApplicationView(after);
  if (!entry)
    throw new DomainError("NOT_FOUND", `${request.name} has no history entry ${request.historyId}`);
  const chosen = entry;
  await db.transaction(async (tx) => {
    await recordAudit(tx, {
      actor,
      action: "gitops.rollback",
      target: `application:${request.name}`,
      before: { revision: app.status?.sync?.revision },
      after: { historyId: chosen.id, revision: chosen.revision },
    });
    await recordTimelineEvent(tx, {
      kind: "argocd_rollback",
      domain: migrationDomainOf(view),
      severity: "warning",
      summary: `${actor} rolled ${request.name} back to ${chosen.revision?.slice(0, 7) ?? `history ${chosen.id}`}`,
      source: "gitops",
      details: {
        application: request.name,
        historyId: chosen.id,
        revision: chosen.revision ?? null,
        actor,
      },
    });
  });
  return view;
}

/** Puts back the automated sync policy a domain rollback paused (kept in an annotation). */
export async function resumeAutoSync(
  db: ControlDb,
  client: ApplicationClient,
  actor: string,
  request: { name: string },
) {
  let automated: unknown;
  const { after: patched } = await client.update(request.name, (app) => {
    const kept = app.metadata.annotations?.[PAUSED_POLICY_ANNOTATION];
    if (!kept) {
      throw new DomainError("BAD_REQUEST", `${request.name} has no paused sync policy to resume`);
    }
    try {
      automated = JSON.parse(kept);
    } catch {
      throw new DomainError(
        "BAD_REQUEST",
        `${request.name}'s ${PAUSED_POLICY_ANNOTATION} annotation is not JSON`,
      );
    }
    return {
      metadata: { annotations: { [PAUSED_POLICY_ANNOTATION]: null } },
      spec: { syncPolicy: { automated } },
    };
  });
  await recordAudit(db, {
    actor,
    action: "gitops.resume_auto_sync",
    target: `application:${request.name}`,
    after: { automated },
  });
  return toApplicationView(patched);
}
