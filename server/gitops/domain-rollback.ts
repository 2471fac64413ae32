import { setTimeout as sleep } from "node:timers/promises";
import type { DomainName } from "@/lib/contracts/domains";
import { recordAudit } from "@/server/audit/audit-log";
import { DEFAULT_FENCE, type FenceOptions, type FenceRecord } from "@/server/data/write-fence";
import type { ControlDb } from "@/server/db/client";
import { DomainError } from "@/server/errors";
import { getDomain, rollbackInTx, withRollbackFence } from "@/server/migration/migration-service";
import { recordTimelineEvent } from "@/server/timeline/record";
import { AUTO_SYNC_REFUSAL, rollbackPatch } from "./application-actions";
import type { ApplicationClient } from "./application-client";
import type { ApplicationObject } from "./application-view";
import { applicationName, type Environment, PAUSED_POLICY_ANNOTATION } from "./argocd-names";
import { endingHealthByRevision } from "./health-observations";
import { type HealthyRevisionPick, pickLastHealthyRevision } from "./healthy-revision";

export type StepOutcome = "done" | "skipped" | "failed";
export type DomainRollbackStep = { ms: number; outcome: StepOutcome; note: string };

export type DomainRollbackResult = {
  domain: DomainName;
  environment: Environment;
  application: string;
  route: DomainRollbackStep & { fence: FenceRecord | null };
  pause: DomainRollbackStep & { previousPolicy: unknown };
  rollback: DomainRollbackStep & {
    revision: string | null;
    historyId: number | null;
    pick: HealthyRevisionPick | null;
  };
  /** From the rollback's operation being set until Argo CD reported it finished (bounded by waitMs). */
  argo: DomainRollbackStep & { phase: string | null };
  totalMs: number;
};

export type DomainRollbackRequest = {
  domain: DomainName;
  environment: Environment;
  reason: string;
};
export type DomainRollbackOptions = { fence?: FenceOptions; waitMs?: number; pollMs?: number };

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await work();
  return [value, Math.round(performance.now() - started)];
}

function failure(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The one-click rollback that knows Git, in order of urgency: (1) route the domain back to
 * legacy behind its write fence (the migration service's rollback), (2) pause auto-sync on the
 * domain's Application (the previous policy kept in an annotation), (3) roll the Application back
 * to the last revision whose deploy ended Healthy, then wait (bounded) for Argo CD to finish.
 * A Kubernetes failure after (1) does not undo (1): users are on legacy either way. One audit
 * row and one timeline row record every part and its duration.
 */
export async function rollbackDomainWithGit(
  db: ControlDb,
  client: ApplicationClient,
  actor: string,
  request: DomainRollbackRequest,
  options: DomainRollbackOptions = {},
): Promise<DomainRollbackResult> {
  const started = performance.now();
  const name = applicationName(request.domain, request.environment);
  const reason = request.reason;

  // 1. traffic back to legacy
  const { domain } = await getDomain(db, request.domain, 1);
  let route: DomainRollbackResult["route"];
  if (domain.state === "legacy") {
    route = {
      ms: 0,
      outcome: "skipped",
      note: `${request.domain} was already on legacy`,
      fence: null,
    };
  } else {
    let fence: FenceRecord | null = null;
    const rollbackRequest = {
      domain: request.domain,
      reason: `${reason} (with Git rollback of ${name})`,
    };
    // as the migration service's rollbackDomain does, keeping the fence record for the result
    const [, ms] = await timed(() =>
      withRollbackFence(db, rollbackRequest, options.fence ?? DEFAULT_FENCE, (tx, record) => {
        fence = record;
        return rollbackInTx(tx, actor, rollbackRequest, { fence: record });
      }),
    );
    route = {
      ms,
      outcome: "done",
      note: `${request.domain} routed from ${domain.state} to legacy`,
      fence,
    };
  }

  let pause: DomainRollbackResult["pause"] = {
    ms: 0,
    outcome: "skipped",
    note: "",
    previousPolicy: null,
  };
  let rollback: DomainRollbackResult["rollback"] = {
    ms: 0,
    outcome: "skipped",
    note: "",
    revision: null,
    historyId: null,
    pick: null,
  };
  let argo: DomainRollbackResult["argo"] = { ms: 0, outcome: "skipped", note: "", phase: null };
  try {
    // 2. pause auto-sync
    let automated: unknown = null;
    const [{ after }, pauseMs] = await timed(() =>
      client.update(name, (current) => {
        automated = current.spec.syncPolicy?.automated ?? null;
        if (!automated) return {};
        return {
          metadata: { annotations: { [PAUSED_POLICY_ANNOTATION]: JSON.stringify(automated) } },
          spec: { syncPolicy: { automated: null } },
        };
      }),
    );
    const app: ApplicationObject = after;
    pause = automated
      ? {
          ms: pauseMs,
          outcome: "done",
          note: "automated sync removed; the previous policy is kept in an annotation",
          previousPolicy: automated,
        }
      : {
          ms: pauseMs,
          outcome: "skipped",
          note: "auto-sync was already off",
          previousPolicy: null,
        };

    // 3. back to the last revision whose deploy ended Healthy
    const pick = pickLastHealthyRevision(app, await endingHealthByRevision(db, name));
    if (!pick.entry) {
      rollback = {
        ms: 0,
        outcome: "skipped",
        revision: null,
        historyId: null,
        pick,
        note: "no earlier revision of this Application was seen ending Healthy; choose one from its history (admin)",
      };
    } else {
      const entry = pick.entry;
      const [, ms] = await timed(() =>
        client.update(name, (current) => {
          if (current.spec.syncPolicy?.automated)
            throw new DomainError("CONFLICT", AUTO_SYNC_REFUSAL);
          if (current.operation || current.status?.operationState?.phase === "Running") {
            throw new DomainError(
              "CONFLICT",
              "an operation is still running on the Application; wait for it or terminate it, then roll back from its history",
            );
          }
          return rollbackPatch(current, entry, actor);
        }),
      );
      rollback = {
        ms,
        outcome: "done",
        revision: entry.revision ?? null,
        historyId: entry.id,
        pick,
        note: `sync to ${entry.revision?.slice(0, 7)} (history ${entry.id}) started`,
      };
      const [phase, waited] = await timed(() =>
        waitForOperation(
          client,
          name,
          entry.revision ?? "",
          options.waitMs ?? 20_000,
          options.pollMs ?? 200,
        ),
      );
      argo = {
        ms: waited,
        phase,
        outcome: phase === "Succeeded" ? "done" : phase === null ? "skipped" : "failed",
        note:
          phase === null
            ? `Argo CD had not finished after ${options.waitMs ?? 20_000} ms; watch the page`
            : `Argo CD finished: ${phase}`,
      };
    }
  } catch (error) {
    const note = failure(error);
    if (pause.note === "") pause = { ...pause, outcome: "failed", note };
    else if (rollback.note === "") rollback = { ...rollback, outcome: "failed", note };
    else argo = { ...argo, outcome: "failed", note };
  }

  const result: DomainRollbackResult = {
    domain: request.domain,
    environment: request.environment,
    application: name,
    route,
    pause,
    rollback,
    argo,
    totalMs: Math.round(performance.now() - started),
  };
  await db.transaction(async (tx) => {
    await recordAudit(tx, {
      actor,
      action: "gitops.domain_rollback",
      target: `domain:${request.domain}`,
      before: { state: domain.state, revision: rollback.pick?.current ?? null },
      after: { reason, ...result },
    });
    await recordTimelineEvent(tx, {
      kind: "argocd_rollback",
      domain: request.domain,
      severity: "critical",
      summary:
        `${actor} rolled ${request.domain} back to legacy` +
        (rollback.outcome === "done"
          ? ` and ${name} to ${rollback.revision?.slice(0, 7)}`
          : `; Git rollback ${rollback.outcome}`) +
        ` in ${result.totalMs} ms`,
      source: "gitops",
      details: result,
    });
  });
  return result;
}

/** Polls until the Application's operation for `revision` finished; null if it did not within `waitMs`. */
async function waitForOperation(
  client: ApplicationClient,
  name: string,
  revision: string,
  waitMs: number,
  pollMs: number,
): Promise<string | null> {
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    await sleep(pollMs);
    const app = await client.get(name);
    const state = app.status?.operationState;
    const finished = !app.operation && state && state.phase !== "Running";
    if (finished && (state.syncResult?.revision ?? state.operation?.sync?.revision) === revision) {
      return state.phase ?? "Unknown";
    }
  }
  return null;
}
