import type { Redis } from "ioredis";
import type { Registry } from "prom-client";
import { DEFAULT_DEAD_LETTER_MAX_LENGTH } from "@/lib/events/dead-letter";
import type { EventsDatabase } from "@/lib/events/events-database";
import type { HandlerRegistry } from "@/lib/events/handler-registry";
import { type RetryPolicy, RetryPolicySchema, redeliveryWindowMs } from "@/lib/events/retry-policy";
import { eventStreamKey, failureHashKey } from "@/lib/events/stream-keys";
import type { EventParser, TransportEvent } from "@/lib/events/transport-event";
import { type EventMetrics, eventMetrics } from "@/lib/observability/event-metrics";
import { processMetrics } from "@/lib/observability/process-metrics";

/** Everything one consumer of one group needs. */
export interface EventConsumerOptions {
  /** Command connection; blocking reads get a duplicate of it. */
  redis: Redis;
  /** The consuming service's database: inbox rows and handler effects commit together here. */
  db: EventsDatabase;
  prefix: string;
  /** One group per consuming service, e.g. `reputation`. */
  group: string;
  /** Unique per process, e.g. `<hostname>-<pid>`. */
  consumer: string;
  /** Streams `<prefix>events:<aggregate_type>` this group reads. */
  aggregateTypes: readonly string[];
  registry: HandlerRegistry;
  /** Checks an entry's decoded JSON against the event envelope contract. */
  parseEnvelope: EventParser<TransportEvent>;
  inboxTable?: string;
  /** Entries per XREADGROUP per stream and per reclaim. */
  batchSize?: number;
  blockMs?: number;
  watchdogMs?: number;
  retry?: Partial<RetryPolicy>;
  reclaimIntervalMs?: number;
  /** Where a new group starts reading (`0` = what the stream still holds). */
  startId?: string;
  /**
   * How long one handler call may take, and the `statement_timeout` of its transaction; past it
   * the transaction is rolled back and the delivery fails (reason `deadline` when it was the last).
   * Default 30 s.
   */
  handlerDeadlineMs?: number;
  /** The cap of each dead-letter stream this consumer writes to; default 100 000. */
  deadLetterMaxLength?: number;
  /**
   * Inbox rows of this group older than this are deleted every `inboxPruneIntervalMs`. It must be
   * longer than the redelivery window (retries and deadlines); default 7 days; 0 never prunes.
   */
  inboxRetentionMs?: number;
  /** Default 1 hour. */
  inboxPruneIntervalMs?: number;
  onError?: (error: unknown) => void;
  /** What an operator should hear about: a dead-letter stream near its cap, a group recreated. */
  onWarning?: (message: string, details: Record<string, unknown>) => void;
  /** Where its counters and lag gauges go; default the process registry (its `/metrics`). */
  metrics?: Registry;
  /** Testing seam: after a handler transaction committed and before its entries are acked. */
  afterCommit?: (entryIds: readonly string[]) => Promise<void>;
}

/** Counters since start; `processed` counts handler runs that committed. */
export interface EventConsumerStats {
  processed: number;
  duplicates: number;
  ignored: number;
  retried: number;
  deadLettered: number;
  watchdogResets: number;
  /** Handler calls stopped by their deadline or by statement_timeout. */
  deadlines: number;
  /** Groups created again after Redis lost them (NOGROUP). */
  groupsRecreated: number;
  /** Inbox rows deleted by the retention. */
  inboxPruned: number;
}

/** One stream the group reads, with the hash of its entries' last errors. */
export interface ConsumedStream {
  aggregateType: string;
  key: string;
  failures: string;
}

/** The options with their defaults, and the state the read, process and reclaim parts share. */
export interface ConsumerContext {
  options: EventConsumerOptions;
  policy: RetryPolicy;
  batchSize: number;
  blockMs: number;
  handlerDeadlineMs: number;
  deadLetterMaxLength: number;
  inboxRetentionMs: number;
  inboxPruneIntervalMs: number;
  streams: readonly ConsumedStream[];
  byKey: ReadonlyMap<string, ConsumedStream>;
  stats: EventConsumerStats;
  /** The registry of `metrics` (or the process's) and the event counters on it. */
  registry: Registry;
  counters: EventMetrics;
}

export const DEFAULT_HANDLER_DEADLINE_MS = 30_000;
export const DEFAULT_INBOX_RETENTION_MS = 7 * 24 * 3600 * 1000;
export const DEFAULT_INBOX_PRUNE_INTERVAL_MS = 3600 * 1000;

/** Applies the defaults and checks that the inbox outlives every redelivery. */
export function createConsumerContext(options: EventConsumerOptions): ConsumerContext {
  const policy = RetryPolicySchema.parse(options.retry ?? {});
  const handlerDeadlineMs = options.handlerDeadlineMs ?? DEFAULT_HANDLER_DEADLINE_MS;
  if (!Number.isInteger(handlerDeadlineMs) || handlerDeadlineMs < 1) {
    throw new Error(`handlerDeadlineMs must be a positive integer, got ${handlerDeadlineMs}`);
  }
  const inboxRetentionMs = options.inboxRetentionMs ?? DEFAULT_INBOX_RETENTION_MS;
  const window = redeliveryWindowMs(policy, handlerDeadlineMs);
  if (inboxRetentionMs !== 0 && inboxRetentionMs <= window) {
    throw new Error(
      `inbox retention ${inboxRetentionMs} ms must exceed the redelivery window ${window} ms, or a late redelivery would run twice`,
    );
  }
  const streams = options.aggregateTypes.map((aggregateType) => ({
    aggregateType,
    key: eventStreamKey(options.prefix, aggregateType),
    failures: failureHashKey(options.prefix, aggregateType, options.group),
  }));
  const registry = options.metrics ?? processMetrics(`${options.group}-consumer`);
  return {
    options,
    policy,
    registry,
    counters: eventMetrics(registry),
    batchSize: options.batchSize ?? 100,
    blockMs: options.blockMs ?? 1_000,
    handlerDeadlineMs,
    deadLetterMaxLength: options.deadLetterMaxLength ?? DEFAULT_DEAD_LETTER_MAX_LENGTH,
    inboxRetentionMs,
    inboxPruneIntervalMs: options.inboxPruneIntervalMs ?? DEFAULT_INBOX_PRUNE_INTERVAL_MS,
    streams,
    byKey: new Map(streams.map((stream) => [stream.key, stream])),
    stats: {
      processed: 0,
      duplicates: 0,
      ignored: 0,
      retried: 0,
      deadLettered: 0,
      watchdogResets: 0,
      deadlines: 0,
      groupsRecreated: 0,
      inboxPruned: 0,
    },
  };
}
