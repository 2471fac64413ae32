import type { DomainName } from "@/lib/contracts/domains";
import { DomainError } from "@/server/errors";

/**
 * Matched and mismatched shadow pairs of a domain, as the gateway counts them, from `from` on
 * (when the domain entered shadow, or the start of the recent window if later).
 */
export type ParityCounts = { matched: number; mismatched: number; from?: Date };

/**
 * Where the control plane reads parity from (Redis in production, anything in tests): the
 * comparisons since `since`, the domain's entry into shadow (null when its history has none),
 * within a recent window; never lifetime totals.
 */
export type ParityLookup = (domain: DomainName, since: Date | null) => Promise<ParityCounts>;

/** Percentage of matching pairs, or null before the first comparison. */
export function parityPercent(counts: ParityCounts): number | null {
  const total = counts.matched + counts.mismatched;
  return total === 0 ? null : (counts.matched / total) * 100;
}

/**
 * Refuses shadow → canary while parity is below the domain's threshold or measured over too few
 * pairs; the message says what was measured and what is needed.
 */
export function assertParity(
  domain: string,
  counts: ParityCounts,
  threshold: { minPercent: number; minSamples: number },
): void {
  const total = counts.matched + counts.mismatched;
  const percent = parityPercent(counts);
  // said last, so the measured figures read the same as before
  const since = counts.from ? `comparisons since ${counts.from.toISOString()}; ` : "";
  if (total < threshold.minSamples) {
    throw new DomainError(
      "BAD_REQUEST",
      `parity of ${domain} is measured over ${total} compared requests; ${threshold.minSamples} are needed before a canary (${since}an admin may override with a reason)`,
    );
  }
  if (percent !== null && percent < threshold.minPercent) {
    throw new DomainError(
      "BAD_REQUEST",
      `parity of ${domain} is ${percent.toFixed(2)} % over ${total} requests, below the ${threshold.minPercent} % needed for a canary (${since}an admin may override with a reason)`,
    );
  }
}
