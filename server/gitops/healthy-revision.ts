import type { ApplicationObject, HistoryEntry } from "./application-view";

export type RevisionCandidate = { id: number; revision: string | null; endedHealth: string | null };

export type HealthyRevisionPick = {
  entry: HistoryEntry | null;
  current: string | null;
  /** Every earlier entry looked at, newest first, with the health its deploy ended with (null: never seen). */
  considered: RevisionCandidate[];
};

/**
 * The revision a domain rollback goes back to: the newest history entry, older than the
 * deployed revision and with another revision, whose deploy ended Healthy, i.e. the last health
 * the console saw while it was deployed and Synced was Healthy (server/gitops/health-observations).
 * An entry never seen is not chosen: going back to a revision of unknown health is a guess.
 */
export function pickLastHealthyRevision(
  app: ApplicationObject,
  endingHealth: Map<string, string>,
): HealthyRevisionPick {
  const history = [...(app.status?.history ?? [])].sort((a, b) => b.id - a.id);
  // the newest history entry is what runs; status.sync.revision may already be a newer, undeployed commit
  const current = history[0]?.revision ?? app.status?.sync?.revision ?? null;
  const considered: RevisionCandidate[] = [];
  let entry: HistoryEntry | null = null;
  for (const candidate of history) {
    if (!candidate.revision || candidate.revision === current) continue;
    const endedHealth = endingHealth.get(candidate.revision) ?? null;
    considered.push({ id: candidate.id, revision: candidate.revision, endedHealth });
    if (!entry && endedHealth === "Healthy") entry = candidate;
  }
  return { entry, current, considered };
}
