import type { Redis } from "ioredis";
import { z } from "zod";
import { DOMAIN_NAMES, type DomainName, DomainNameSchema } from "@/lib/contracts/domains";
import { type ParityComparison, ParityDiffSchema } from "@/lib/parity/compare-responses";

/** Mismatch samples kept per domain, newest first. */
export const PARITY_SAMPLE_LIMIT = 50;

// A sample's bodies are cut to this many characters of JSON, so one answer cannot bloat Redis.
const MAX_SAMPLE_BODY_LENGTH = 4_000;

/** Counts of one domain: `<prefix>parity:<domain>`, fields `matched` and `mismatched`. */
export function parityCountsKey(prefix: string, domain: DomainName): string {
  return `${prefix}parity:${domain}`;
}

/**
 * The parity gate's window: the comparisons of the last hour, by second. Old enough to hold a
 * real shadow's evidence, young enough that what the service did last week does not count.
 */
export const PARITY_WINDOW_SECONDS = 3_600;

/**
 * Per-second counts of one minute of one domain, a hash with fields `<epochSecond>:m` (matched)
 * and `<epochSecond>:x` (mismatched): `<prefix>parity:<domain>:window:<epochMinute>`; it expires
 * once out of the window.
 */
export function parityWindowKey(prefix: string, domain: DomainName, epochMinute: number): string {
  return `${prefix}parity:${domain}:window:${epochMinute}`;
}

const WINDOW_KEY_TTL_SECONDS = PARITY_WINDOW_SECONDS + 120;

/** Mismatch samples of one domain, a list trimmed to 50: `<prefix>parity:<domain>:samples`. */
export function paritySamplesKey(prefix: string, domain: DomainName): string {
  return `${prefix}parity:${domain}:samples`;
}

/** What the gateway knows about a mirrored request besides the comparison. */
export interface ParitySampleInput {
  method: string;
  /** Path with query, as the client sent it. */
  path: string;
  /** Route table name, e.g. `learning.createInteraction`, when one matched. */
  route?: string | null;
  legacyStatus: number;
  serviceStatus: number;
  legacyBody?: unknown;
  serviceBody?: unknown;
  traceId?: string | null;
  /** When the pair was compared (its second in the gate's window, its sample's time); now unless told. */
  at?: Date;
}

/** One stored mismatch, as the console's parity page shows it. */
export const ParitySampleSchema = z.object({
  at: z.iso.datetime(),
  method: z.string(),
  path: z.string(),
  route: z.string().nullable(),
  legacyStatus: z.number().int(),
  serviceStatus: z.number().int(),
  diffs: z.array(ParityDiffSchema),
  truncated: z.boolean(),
  /** Both bodies as JSON text (normalization not applied), cut to 4,000 characters. */
  legacyBody: z.string().nullable(),
  serviceBody: z.string().nullable(),
  traceId: z.string().nullable(),
});
export type ParitySample = z.infer<typeof ParitySampleSchema>;

/** Parity of one domain: counts, match percentage and the newest mismatch samples. */
export const ParityReportSchema = z.object({
  domain: DomainNameSchema,
  matched: z.number().int().nonnegative(),
  mismatched: z.number().int().nonnegative(),
  compared: z.number().int().nonnegative(),
  /** matched / compared × 100, or null before the first comparison. */
  percent: z.number().min(0).max(100).nullable(),
  samples: z.array(ParitySampleSchema),
  /** Stored samples that no longer parse (e.g. written by an older version). */
  invalidSamples: z.number().int().nonnegative(),
});
export type ParityReport = z.infer<typeof ParityReportSchema>;

const CountsSchema = z.object({
  matched: z.coerce.number().int().nonnegative().catch(0),
  mismatched: z.coerce.number().int().nonnegative().catch(0),
});

function bodyText(body: unknown): string | null {
  if (body === undefined) return null;
  const text = typeof body === "string" ? body : JSON.stringify(body);
  if (text === undefined) return null;
  return text.length > MAX_SAMPLE_BODY_LENGTH ? `${text.slice(0, MAX_SAMPLE_BODY_LENGTH)}…` : text;
}

/**
 * Compared pairs of one domain not yet written: what they add to the domain's keys. Filled by
 * tallyParity, written by writeParityTallies (one pair by recordParity, many by ParityBatcher).
 */
export type ParityTally = {
  matched: number;
  mismatched: number;
  /** Pairs by epoch second: the window's fields `<second>:m` and `<second>:x`. */
  seconds: Map<number, { matched: number; mismatched: number }>;
  /** Mismatch samples as stored (JSON text), oldest first; only the newest 50 survive LTRIM. */
  samples: string[];
};

export function emptyParityTally(): ParityTally {
  return { matched: 0, mismatched: 0, seconds: new Map(), samples: [] };
}

/** Adds one compared pair to `tally`: its counts, its second and, for a mismatch, its sample. */
export function tallyParity(
  tally: ParityTally,
  result: ParityComparison,
  sample: ParitySampleInput,
): void {
  const at = sample.at ?? new Date();
  const second = Math.floor(at.getTime() / 1000);
  let counts = tally.seconds.get(second);
  if (counts === undefined) {
    counts = { matched: 0, mismatched: 0 };
    tally.seconds.set(second, counts);
  }
  if (result.match) {
    tally.matched += 1;
    counts.matched += 1;
    return;
  }
  tally.mismatched += 1;
  counts.mismatched += 1;
  const stored: ParitySample = {
    at: at.toISOString(),
    method: sample.method,
    path: sample.path,
    route: sample.route ?? null,
    legacyStatus: sample.legacyStatus,
    serviceStatus: sample.serviceStatus,
    diffs: result.diffs,
    truncated: result.truncated,
    legacyBody: bodyText(sample.legacyBody),
    serviceBody: bodyText(sample.serviceBody),
    traceId: sample.traceId ?? null,
  };
  tally.samples.push(JSON.stringify(stored));
  // older samples would be trimmed right after the LPUSH: not worth holding or sending
  if (tally.samples.length > PARITY_SAMPLE_LIMIT) tally.samples.shift();
}

/**
 * Writes tallies in one MULTI: per domain, HINCRBY of its totals (`matched`, `mismatched`) and of
 * each second of the window (EXPIRE once per minute key touched), then the samples LPUSHed oldest
 * first (newest at the head) and LTRIM to the newest 50. N pairs leave the same keys and fields
 * as N single writes.
 */
export async function writeParityTallies(
  redis: Redis,
  prefix: string,
  tallies: ReadonlyMap<DomainName, ParityTally>,
): Promise<void> {
  const transaction = redis.multi();
  for (const [domain, tally] of tallies) {
    const counts = parityCountsKey(prefix, domain);
    if (tally.matched > 0) transaction.hincrby(counts, "matched", tally.matched);
    if (tally.mismatched > 0) transaction.hincrby(counts, "mismatched", tally.mismatched);
    const windows = new Set<string>();
    for (const [second, { matched, mismatched }] of tally.seconds) {
      const window = parityWindowKey(prefix, domain, Math.floor(second / 60));
      if (matched > 0) transaction.hincrby(window, `${second}:m`, matched);
      if (mismatched > 0) transaction.hincrby(window, `${second}:x`, mismatched);
      windows.add(window);
    }
    for (const window of windows) transaction.expire(window, WINDOW_KEY_TTL_SECONDS);
    if (tally.samples.length > 0) {
      const samples = paritySamplesKey(prefix, domain);
      transaction.lpush(samples, ...tally.samples).ltrim(samples, 0, PARITY_SAMPLE_LIMIT - 1);
    }
  }
  await transaction.exec();
}

/**
 * Counts one compared pair at once (one MULTI): in the domain's totals and in its second of the
 * gate's window; a mismatch also pushes a sample with the diff, keeping the newest 50. The
 * gateway batches instead (ParityBatcher); this is for tests, scripts and single writes.
 */
export async function recordParity(
  redis: Redis,
  prefix: string,
  domain: DomainName,
  result: ParityComparison,
  sample: ParitySampleInput,
): Promise<void> {
  const tally = emptyParityTally();
  tallyParity(tally, result, sample);
  await writeParityTallies(redis, prefix, new Map([[domain, tally]]));
}

export interface ReadParityOptions {
  /** Samples returned per domain, newest first; 50 unless told (0 for counts only). */
  sampleLimit?: number;
}

async function readDomainParity(
  redis: Redis,
  prefix: string,
  domain: DomainName,
  sampleLimit: number,
): Promise<ParityReport> {
  const [counts, rawSamples] = await Promise.all([
    redis.hgetall(parityCountsKey(prefix, domain)),
    sampleLimit > 0
      ? redis.lrange(paritySamplesKey(prefix, domain), 0, sampleLimit - 1)
      : Promise.resolve([]),
  ]);
  const { matched, mismatched } = CountsSchema.parse(counts);
  const samples: ParitySample[] = [];
  let invalidSamples = 0;
  for (const raw of rawSamples) {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      invalidSamples += 1;
      continue;
    }
    const parsed = ParitySampleSchema.safeParse(json);
    if (parsed.success) samples.push(parsed.data);
    else invalidSamples += 1;
  }
  const compared = matched + mismatched;
  return {
    domain,
    matched,
    mismatched,
    compared,
    percent: compared === 0 ? null : (matched / compared) * 100,
    samples,
    invalidSamples,
  };
}

/** Parity of one domain. */
export function readParity(
  redis: Redis,
  prefix: string,
  domain: DomainName,
  options?: ReadParityOptions,
): Promise<ParityReport>;
/** Parity of all six domains, in DESIGN.md order. */
export function readParity(
  redis: Redis,
  prefix: string,
  domain?: undefined,
  options?: ReadParityOptions,
): Promise<ParityReport[]>;
export function readParity(
  redis: Redis,
  prefix: string,
  domain?: DomainName,
  options: ReadParityOptions = {},
): Promise<ParityReport | ParityReport[]> {
  const sampleLimit = Math.min(options.sampleLimit ?? PARITY_SAMPLE_LIMIT, PARITY_SAMPLE_LIMIT);
  if (domain !== undefined) return readDomainParity(redis, prefix, domain, sampleLimit);
  return Promise.all(
    DOMAIN_NAMES.map((name) => readDomainParity(redis, prefix, name, sampleLimit)),
  );
}

/** What the parity gate counts: the comparisons from `from` on, within the window. */
export type ParityWindowCounts = {
  matched: number;
  mismatched: number;
  /** The first second counted: entering shadow, or the start of the window if later. */
  from: Date;
};

/** The minute keys of the window that ends at `nowSecond`, oldest first. */
function windowMinutes(nowSecond: number): number[] {
  const first = Math.floor((nowSecond - PARITY_WINDOW_SECONDS + 1) / 60);
  const last = Math.floor(nowSecond / 60);
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

/**
 * The parity gate's counts of one domain: comparisons recorded from `since` (the domain's entry
 * into shadow; its second included) and within the last PARITY_WINDOW_SECONDS, never lifetime
 * totals. `since` null: the whole window.
 */
export async function readParityWindow(
  redis: Redis,
  prefix: string,
  domain: DomainName,
  options: { since: Date | null; now?: Date },
): Promise<ParityWindowCounts> {
  const nowSecond = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const windowStart = nowSecond - PARITY_WINDOW_SECONDS + 1;
  const sinceSecond = options.since ? Math.floor(options.since.getTime() / 1000) : windowStart;
  const fromSecond = Math.max(windowStart, sinceSecond);
  const minutes = windowMinutes(nowSecond).filter(
    (minute) => minute >= Math.floor(fromSecond / 60),
  );
  const pipeline = redis.pipeline();
  for (const minute of minutes) pipeline.hgetall(parityWindowKey(prefix, domain, minute));
  const replies = (await pipeline.exec()) ?? [];
  let matched = 0;
  let mismatched = 0;
  for (const [error, fields] of replies) {
    if (error) throw error;
    for (const [field, value] of Object.entries((fields ?? {}) as Record<string, string>)) {
      const [second, kind] = field.split(":");
      const t = Number(second);
      const count = Number(value);
      if (!(t >= fromSecond && t <= nowSecond) || !Number.isFinite(count)) continue;
      if (kind === "m") matched += count;
      else if (kind === "x") mismatched += count;
    }
  }
  return { matched, mismatched, from: new Date(fromSecond * 1000) };
}

/**
 * Sets a domain's parity as if the gateway had compared that many pairs at `at` (now): its
 * totals and its window (earlier seconds of the window forgotten). For tests and the e2e stack.
 */
export async function writeParityCounts(
  redis: Redis,
  prefix: string,
  domain: DomainName,
  counts: { matched: number; mismatched: number },
  at = new Date(),
): Promise<void> {
  const second = Math.floor(at.getTime() / 1000);
  const window = parityWindowKey(prefix, domain, Math.floor(second / 60));
  const transaction = redis.multi();
  for (const minute of windowMinutes(second)) {
    transaction.del(parityWindowKey(prefix, domain, minute));
  }
  await transaction
    .hset(parityCountsKey(prefix, domain), counts)
    .hset(window, { [`${second}:m`]: counts.matched, [`${second}:x`]: counts.mismatched })
    .expire(window, WINDOW_KEY_TTL_SECONDS)
    .exec();
}

/** Forgets one domain's counts, window and samples, e.g. when it re-enters shadow. */
export async function resetParity(redis: Redis, prefix: string, domain: DomainName): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  await redis.del(
    parityCountsKey(prefix, domain),
    paritySamplesKey(prefix, domain),
    ...windowMinutes(now).map((minute) => parityWindowKey(prefix, domain, minute)),
  );
}
