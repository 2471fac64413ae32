import {
  continueDeadLetterJob,
  type DeadLetterJob,
  DeadLetterJobSchema,
  indexDeadLetterJob,
  startDeadLetterJob,
} from "@/lib/events/dlq-bulk-job";
import type { DeadLetterFilter } from "@/lib/events/dlq-filter";
import { DomainError } from "@/server/errors";
import type { EventBus } from "@/server/events/event-bus";

/** A bulk replay or purge, kept in Redis so that any browser (or a reload) can resume it. */
export type BulkJob = { jobId: string; startedBy: string; startedAt: string; job: DeadLetterJob };

const JOB_TTL_SECONDS = 24 * 3600;
const jobKey = (bus: EventBus, jobId: string) => `${bus.prefix}console:dlq-job:${jobId}`;
const jobIndex = (bus: EventBus) => `${bus.prefix}console:dlq-jobs`;

/**
 * Saves the job and indexes it; the index keeps jobs whose records can still exist, at most
 * DEAD_LETTER_JOB_INDEX_MAX, and always this one (a job still being stepped stays listed).
 */
async function save(bus: EventBus, bulk: BulkJob): Promise<void> {
  const multi = bus.redis
    .multi()
    .set(jobKey(bus, bulk.jobId), JSON.stringify(bulk), "EX", JOB_TTL_SECONDS);
  await indexDeadLetterJob(
    multi,
    jobIndex(bus),
    { id: bulk.jobId, startedAtMs: Date.parse(bulk.startedAt) },
    { nowMs: Date.now(), maxAgeMs: JOB_TTL_SECONDS * 1000 },
  ).exec();
}

export async function startBulkJob(
  bus: EventBus,
  actor: string,
  input: { action: "replay" | "purge"; aggregateType: string; filter: DeadLetterFilter },
): Promise<BulkJob> {
  const job = await startDeadLetterJob(bus.redis, bus.prefix, input);
  const bulk = {
    jobId: crypto.randomUUID(),
    startedBy: actor,
    startedAt: new Date().toISOString(),
    job,
  };
  await save(bus, bulk);
  return bulk;
}

export async function getBulkJob(bus: EventBus, jobId: string): Promise<BulkJob> {
  const raw = await bus.redis.get(jobKey(bus, jobId));
  if (!raw) throw new DomainError("NOT_FOUND", `bulk job ${jobId} does not exist or has expired`);
  const stored = JSON.parse(raw) as BulkJob;
  return { ...stored, job: DeadLetterJobSchema.parse(stored.job) };
}

/** Runs one step (up to `batchSize` entries); returns the job and what this step did. */
export async function stepBulkJob(bus: EventBus, jobId: string, batchSize = 1_000) {
  const bulk = await getBulkJob(bus, jobId);
  const job = await continueDeadLetterJob(bus.redis, bus.prefix, bulk.job, { batchSize });
  const next = { ...bulk, job };
  await save(bus, next);
  return { bulk: next, actedThisStep: job.acted - bulk.job.acted };
}

/** Jobs that are not finished, newest first: what a reloaded page offers to resume. */
export async function unfinishedBulkJobs(bus: EventBus): Promise<BulkJob[]> {
  const ids = await bus.redis.zrevrange(jobIndex(bus), 0, 49);
  const jobs: BulkJob[] = [];
  for (const id of ids) {
    const raw = await bus.redis.get(jobKey(bus, id));
    if (!raw) {
      await bus.redis.zrem(jobIndex(bus), id);
      continue;
    }
    const bulk = JSON.parse(raw) as BulkJob;
    if (!bulk.job.done) jobs.push(bulk);
  }
  return jobs;
}
