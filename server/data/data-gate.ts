import type { DomainName, MigrationState } from "@/lib/contracts/domains";
import type { ControlDb } from "@/server/db/client";
import { DomainError } from "@/server/errors";
import { type DomainDataStatus, dataStatus, worstLagMs } from "./data-status";

type Reader = Pick<ControlDb, "select" | "selectDistinctOn">;

/** The moves that hand a domain's writes to its service: they need the data there first. */
export function needsDataGate(from: MigrationState, to: MigrationState): boolean {
  return (from === "shadow" && to === "canary") || (from === "canary" && to === "migrated");
}

/** Why a domain's data is not ready for more traffic on its service (empty when it is). */
export function dataGateProblems(status: DomainDataStatus, now = Date.now()): string[] {
  const problems: string[] = [];
  const { backfill, lastVerification } = status;
  if (backfill.status !== "complete") {
    problems.push(
      `the backfill is ${backfill.status.replace("_", " ")} (${backfill.percent.toFixed(0)} %)`,
    );
  }
  if (status.directions.length === 0 || status.directions.some((d) => d.stale)) {
    problems.push("the data sync is not running");
  } else {
    const lag = worstLagMs(status.directions);
    if (lag > status.maxLagMs)
      problems.push(`the sync lag is ${lag} ms, above the ${status.maxLagMs} ms allowed`);
  }
  if (lastVerification?.status !== "done" || !lastVerification.finishedAt) {
    problems.push("the data has not been verified yet");
  } else if (lastVerification.differences > 0) {
    problems.push(`the last verification found ${lastVerification.differences} differences`);
  } else {
    const age = Math.round((now - lastVerification.finishedAt.getTime()) / 1000);
    if (age > status.verificationMaxAgeSeconds) {
      problems.push(
        `the last clean verification is ${age} s old (at most ${status.verificationMaxAgeSeconds} s)`,
      );
    }
  }
  return problems;
}

/** What the gate measured, for the audit row. */
export type DataGateRecord = { problems: string[]; overridden: boolean };

/**
 * Refuses shadow → canary and canary → migrated unless the backfill is complete, the lag is
 * below the domain's bound and the last verification is clean and recent; an admin may
 * override (the caller checks the role). Returns what was found, for the audit.
 */
export async function checkDataGate(
  db: Reader,
  domain: DomainName,
  override: boolean,
): Promise<DataGateRecord> {
  const [status] = await dataStatus(db, domain);
  if (!status) throw new DomainError("NOT_FOUND", `domain ${domain} does not exist`);
  const problems = dataGateProblems(status);
  if (problems.length > 0 && !override) {
    throw new DomainError(
      "BAD_REQUEST",
      `the data of ${domain} is not ready: ${problems.join("; ")} (an admin may override with a reason)`,
    );
  }
  return { problems, overridden: override && problems.length > 0 };
}
