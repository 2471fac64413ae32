import type { DomainName } from "@/lib/contracts/domains";

export type ParityChange = {
  domain: DomainName;
  change: "dropped" | "recovered";
  percent: number;
  compared: number;
};

/**
 * Reports a domain's parity once when it falls below the threshold over the window (with at least
 * `minSamples` comparisons), and once when it is back at or above it; too few comparisons decide
 * nothing either way.
 */
export class ParityDropWatch {
  private readonly dropped = new Set<DomainName>();

  constructor(
    private readonly thresholdPercent: number,
    private readonly minSamples: number,
  ) {}

  /** `silent`: take the state without reporting it (the first look after a start). */
  observe(
    domain: DomainName,
    counts: { matched: number; mismatched: number },
    silent = false,
  ): ParityChange | null {
    const compared = counts.matched + counts.mismatched;
    if (compared < this.minSamples) return null;
    const percent = (counts.matched / compared) * 100;
    const below = percent < this.thresholdPercent;
    if (below === this.dropped.has(domain)) return null;
    if (below) this.dropped.add(domain);
    else this.dropped.delete(domain);
    if (silent) return null;
    return { domain, change: below ? "dropped" : "recovered", percent, compared };
  }
}
