import type { DeadLetterFilterInput } from "@/lib/contracts/dlq";
import { parseContractEnvelope } from "@/lib/events/contract-parsers";
import { getDeadLetter, listDeadLetterQueues, listDeadLetters } from "@/lib/events/dlq-browse";
import type { DeadLetterFilter } from "@/lib/events/dlq-filter";
import { purgeDeadLetterQueue, purgeDeadLetters } from "@/lib/events/dlq-purge";
import {
  editAndReplayDeadLetter,
  InvalidEditedPayloadError,
  replayDeadLetters,
} from "@/lib/events/dlq-replay";
import { recordAudit } from "@/server/audit/audit-log";
import type { ControlDb } from "@/server/db/client";
import { DomainError } from "@/server/errors";
import type { EventBus } from "@/server/events/event-bus";
import type { Operator } from "@/server/operators/operator-service";
import { getBulkJob, startBulkJob, stepBulkJob, unfinishedBulkJobs } from "./bulk-jobs";

const target = (aggregateType: string) => `dlq:${aggregateType}`;
const SAMPLE = 20;

/** The console's filter, as lib/events reads it (dates as epoch ms). */
export function toLibFilter(filter: DeadLetterFilterInput): DeadLetterFilter {
  return {
    ...(filter.eventType && { eventType: filter.eventType }),
    ...(filter.errorContains && { errorContains: filter.errorContains }),
    ...(filter.since && { since: filter.since.getTime() }),
    ...(filter.until && { until: filter.until.getTime() }),
  };
}

export const listQueues = (bus: EventBus) => listDeadLetterQueues(bus.redis, bus.prefix);

export function listEntries(
  bus: EventBus,
  input: { aggregateType: string; filter: DeadLetterFilterInput; cursor?: string; limit: number },
) {
  return listDeadLetters(bus.redis, bus.prefix, {
    aggregateType: input.aggregateType,
    filter: toLibFilter(input.filter),
    cursor: input.cursor,
    limit: input.limit,
  });
}

export async function getEntry(bus: EventBus, aggregateType: string, id: string) {
  const entry = await getDeadLetter(bus.redis, bus.prefix, aggregateType, id);
  if (!entry) throw new DomainError("NOT_FOUND", `dead letter ${id} is gone (replayed or purged)`);
  return entry;
}

/** Replays chosen entries, each atomically; audited with the count. */
export async function replayEntries(
  db: ControlDb,
  bus: EventBus,
  actor: Operator,
  input: { aggregateType: string; ids: string[] },
) {
  const result = await replayDeadLetters(bus.redis, bus.prefix, input.aggregateType, input.ids);
  await recordAudit(db, {
    actor: actor.username,
    action: "dlq.replay",
    target: target(input.aggregateType),
    after: {
      count: result.replayed.length,
      missing: result.missing.length,
      ids: result.replayed.slice(0, SAMPLE).map((r) => r.id),
    },
  });
  return { replayed: result.replayed.length, missing: result.missing, skipped: result.skipped };
}

/** Replaces an entry's payload (validated against the event contract) and replays it. Admin. */
export async function editAndReplay(
  db: ControlDb,
  bus: EventBus,
  actor: Operator,
  input: { aggregateType: string; id: string; payload: string },
) {
  const before = await getEntry(bus, input.aggregateType, input.id);
  let replayed: Awaited<ReturnType<typeof editAndReplayDeadLetter>>;
  try {
    replayed = await editAndReplayDeadLetter(
      bus.redis,
      bus.prefix,
      input.aggregateType,
      input.id,
      input.payload,
      parseContractEnvelope,
    );
  } catch (error) {
    if (error instanceof InvalidEditedPayloadError) {
      throw new DomainError("BAD_REQUEST", `the edited event is refused: ${error.message}`);
    }
    throw error;
  }
  if (!replayed) throw new DomainError("NOT_FOUND", `dead letter ${input.id} is gone`);
  await recordAudit(db, {
    actor: actor.username,
    action: "dlq.edit-replay",
    target: target(input.aggregateType),
    before: { id: input.id, payload: before.payload },
    after: { count: 1, streamId: replayed.streamId, payload: input.payload },
  });
  return { streamId: replayed.streamId };
}

/** Deletes chosen entries for good. Admin. */
export async function purgeEntries(
  db: ControlDb,
  bus: EventBus,
  actor: Operator,
  input: { aggregateType: string; ids: string[] },
) {
  const purged = await purgeDeadLetters(bus.redis, bus.prefix, input.aggregateType, input.ids);
  await recordAudit(db, {
    actor: actor.username,
    action: "dlq.purge",
    target: target(input.aggregateType),
    after: { count: purged, ids: input.ids.slice(0, SAMPLE) },
  });
  return { purged };
}

/** Empties a whole queue; the operator must type its name. Admin. */
export async function purgeQueue(
  db: ControlDb,
  bus: EventBus,
  actor: Operator,
  input: { aggregateType: string; confirm: string },
) {
  if (input.confirm !== input.aggregateType) {
    throw new DomainError("BAD_REQUEST", `type ${input.aggregateType} to confirm the purge`);
  }
  const purged = await purgeDeadLetterQueue(bus.redis, bus.prefix, input.aggregateType);
  await recordAudit(db, {
    actor: actor.username,
    action: "dlq.purge-queue",
    target: target(input.aggregateType),
    after: { count: purged },
  });
  return { purged };
}

/** Starts a bulk replay (operator) or purge (admin) of everything matching a filter. */
export async function startBulk(
  db: ControlDb,
  bus: EventBus,
  actor: Operator,
  input: { action: "replay" | "purge"; aggregateType: string; filter: DeadLetterFilterInput },
) {
  const bulk = await startBulkJob(bus, actor.username, {
    ...input,
    filter: toLibFilter(input.filter),
  });
  await recordAudit(db, {
    actor: actor.username,
    action: `dlq.${input.action}-matching.start`,
    target: target(input.aggregateType),
    after: { jobId: bulk.jobId, filter: bulk.job.filter },
  });
  return bulk;
}

/** One step of a bulk job; each step that changed something is audited with its count. */
export async function stepBulk(db: ControlDb, bus: EventBus, actor: Operator, jobId: string) {
  const current = await getBulkJob(bus, jobId);
  if (current.job.action === "purge" && actor.role !== "admin") {
    throw new DomainError("FORBIDDEN", "purging dead letters needs the admin role");
  }
  const { bulk, actedThisStep } = await stepBulkJob(bus, jobId);
  if (actedThisStep > 0 || bulk.job.done) {
    await recordAudit(db, {
      actor: actor.username,
      action: `dlq.${current.job.action}-matching`,
      target: target(current.job.aggregateType),
      after: { jobId, count: actedThisStep, total: bulk.job.acted, done: bulk.job.done },
    });
  }
  return bulk;
}

export const unfinishedJobs = (bus: EventBus) => unfinishedBulkJobs(bus);
export const bulkJob = (bus: EventBus, jobId: string) => getBulkJob(bus, jobId);
