import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { DOMAIN_NAMES, type DomainName, DomainNameSchema } from "@/lib/contracts/domains";
import type { TimelineRecordInput } from "@/lib/contracts/timeline";
import { DLQ_FIELD } from "@/lib/events/dead-letter";
import { scanKeys } from "@/lib/events/scan-keys";
import { readParityWindow } from "@/lib/parity/parity-store";
import type { GatewayStatsSnapshot } from "@/lib/resilience/stats-snapshot";
import { BreakerWatch } from "./breaker-watch";
import { type DlqSpike, DlqSpikeWatch } from "./dlq-spike-watch";
import { type ParityChange, ParityDropWatch } from "./parity-drop-watch";
import {
  DEFAULT_TIMELINE_WATCH_SETTINGS,
  type TimelineWatchSettings,
} from "./timeline-watch-config";

/** Sends one note to the control plane (`internal.recordTimeline`). */
export type TimelineRecorder = (note: TimelineRecordInput) => Promise<void>;

// Notes wait here while the control plane does not answer; past this the oldest are dropped.
const MAX_QUEUED_NOTES = 1_000;
// Dead letters read to tell which consumer a spike comes from.
const SPIKE_SAMPLE = 200;

export type TimelineWatchOptions = {
  redis: Redis;
  prefix: string;
  record: TimelineRecorder;
  logger: Logger;
  settings?: TimelineWatchSettings;
};

export type TimelineWatch = {
  /** A snapshot stored before the guard started: sets the breakers' states, records nothing. */
  baseline(snapshot: GatewayStatsSnapshot): void;
  /** A new snapshot: its breaker transitions are recorded. */
  snapshot(snapshot: GatewayStatsSnapshot): void;
  /** Reads DLQ depths and parity now (also done every `pollMs`). */
  poll(): Promise<void>;
  stop(): Promise<void>;
};

/** The consuming domain most of a spike's newest dead letters come from (groups are named after services). */
async function spikeDomain(redis: Redis, spike: DlqSpike): Promise<DomainName | undefined> {
  const entries = await redis.xrevrange(
    spike.stream,
    "+",
    "-",
    "COUNT",
    Math.min(spike.growth, SPIKE_SAMPLE),
  );
  const byGroup = new Map<string, number>();
  for (const [, fields] of entries) {
    const at = fields.indexOf(DLQ_FIELD.group);
    const group = at >= 0 ? fields[at + 1] : undefined;
    if (group) byGroup.set(group, (byGroup.get(group) ?? 0) + 1);
  }
  const [top] = [...byGroup].sort((a, b) => b[1] - a[1]);
  const parsed = DomainNameSchema.safeParse(top?.[0]);
  return parsed.success ? parsed.data : undefined;
}

function spikeNote(spike: DlqSpike, domain: DomainName | undefined, prefix: string) {
  const name = spike.stream.slice(prefix.length);
  return {
    kind: "dlq_spike",
    domain,
    severity: "warning",
    summary: `${name} grew by ${spike.growth} dead letters in ${spike.windowSeconds} s (${spike.depth} now)${domain ? `, mostly from ${domain}` : ""}`,
    details: { stream: name, growth: spike.growth, depth: spike.depth },
  } satisfies TimelineRecordInput;
}

function parityNote(change: ParityChange, settings: TimelineWatchSettings): TimelineRecordInput {
  const percent = change.percent.toFixed(1);
  const window = `${change.compared} comparisons over ${settings.parityWindowSeconds} s`;
  return change.change === "dropped"
    ? {
        kind: "parity_drop",
        domain: change.domain,
        severity: "warning",
        summary: `parity of ${change.domain} fell to ${percent} % (below ${settings.parityDropPercent} %; ${window})`,
        details: { percent: change.percent, compared: change.compared },
      }
    : {
        kind: "parity_drop",
        domain: change.domain,
        severity: "info",
        summary: `parity of ${change.domain} is back at ${percent} % (${window})`,
        details: { percent: change.percent, compared: change.compared, recovered: true },
      };
}

/**
 * slo-guard's timeline watcher: breaker transitions from the gateways' snapshots, DLQ spikes and
 * parity drops from Redis every `pollMs`, each recorded once through the control plane. Notes
 * are sent in order; while the control plane does not answer they wait (bounded) and go later.
 */
export function startTimelineWatch(options: TimelineWatchOptions): TimelineWatch {
  const settings = options.settings ?? DEFAULT_TIMELINE_WATCH_SETTINGS;
  const { redis, prefix, logger } = options;
  const breakers = new BreakerWatch();
  const dlq = new DlqSpikeWatch(settings.dlqSpikeCount, settings.dlqSpikeWindowSeconds);
  const parity = new ParityDropWatch(settings.parityDropPercent, settings.parityMinSamples);
  const queue: TimelineRecordInput[] = [];
  let sending: Promise<void> | null = null;
  let failing = false;
  let polling: Promise<void> | null = null;
  let stopping = false;
  let firstRead = true;

  function send(): Promise<void> {
    sending ??= (async () => {
      while (queue.length > 0 && !stopping) {
        try {
          await options.record(queue[0] as TimelineRecordInput);
          queue.shift();
          if (failing) logger.info("timeline notes are recorded again");
          failing = false;
        } catch (error) {
          if (!failing) logger.warn({ err: error }, "cannot record a timeline note; will retry");
          failing = true;
          return;
        }
      }
    })().finally(() => {
      sending = null;
    });
    return sending;
  }

  function enqueue(notes: TimelineRecordInput[]): void {
    if (notes.length === 0) return;
    queue.push(...notes);
    if (queue.length > MAX_QUEUED_NOTES) {
      logger.warn({ dropped: queue.length - MAX_QUEUED_NOTES }, "timeline notes dropped");
      queue.splice(0, queue.length - MAX_QUEUED_NOTES);
    }
    void send();
  }

  async function readOnce(): Promise<void> {
    const streams = await scanKeys(redis, `${prefix}dlq:events:*`, "stream");
    const depths = new Map<string, number>();
    const pipeline = redis.pipeline();
    for (const stream of streams) pipeline.xlen(stream);
    const replies = streams.length > 0 ? ((await pipeline.exec()) ?? []) : [];
    replies.forEach(([error, depth], i) => {
      if (!error) depths.set(streams[i] as string, Number(depth));
    });
    const notes: TimelineRecordInput[] = [];
    for (const spike of dlq.observe(depths, Date.now())) {
      notes.push(spikeNote(spike, await spikeDomain(redis, spike).catch(() => undefined), prefix));
    }
    const since = new Date(Date.now() - settings.parityWindowSeconds * 1000);
    for (const domain of DOMAIN_NAMES) {
      const counts = await readParityWindow(redis, prefix, domain, { since });
      // A drop older than this guard is not news: only changes from the second read on are.
      const change = parity.observe(domain, counts, firstRead);
      if (change) notes.push(parityNote(change, settings));
    }
    firstRead = false;
    enqueue(notes);
  }

  function poll(): Promise<void> {
    polling ??= readOnce()
      .catch((error) => logger.warn({ err: error }, "timeline watch cannot read Redis"))
      .finally(() => {
        polling = null;
      });
    return polling.then(() => (queue.length > 0 && !sending ? send() : undefined));
  }

  const timer = setInterval(() => void poll(), settings.pollMs);
  void poll();

  return {
    baseline: (snapshot) => breakers.baseline(snapshot),
    snapshot: (snapshot) => enqueue(breakers.observe(snapshot)),
    poll,
    async stop() {
      stopping = true;
      clearInterval(timer);
      await Promise.allSettled([polling, sending]);
    },
  };
}
