/** A dead-letter stream that grew by the threshold or more within the window. */
export type DlqSpike = { stream: string; growth: number; depth: number; windowSeconds: number };

/**
 * Follows the depth of every dead-letter stream and reports a spike once when it grows by
 * `threshold` entries within `windowSeconds`; it is reported again only after a whole window
 * below the threshold. A replay or purge (the depth falling) is never a spike.
 */
export class DlqSpikeWatch {
  private readonly samples = new Map<string, Array<{ atMs: number; depth: number }>>();
  private readonly spiking = new Set<string>();
  private lastPollMs: number | null = null;

  constructor(
    private readonly threshold: number,
    private readonly windowSeconds: number,
  ) {}

  observe(depths: ReadonlyMap<string, number>, nowMs: number): DlqSpike[] {
    const spikes: DlqSpike[] = [];
    const windowStart = nowMs - this.windowSeconds * 1000;
    for (const stream of this.samples.keys()) {
      if (!depths.has(stream)) {
        this.samples.delete(stream);
        this.spiking.delete(stream);
      }
    }
    for (const [stream, depth] of depths) {
      let history = this.samples.get(stream);
      if (!history) {
        // A stream that appears after the first look was empty before: its first letters count.
        history = this.lastPollMs === null ? [] : [{ atMs: this.lastPollMs, depth: 0 }];
        this.samples.set(stream, history);
      }
      history.push({ atMs: nowMs, depth });
      while (history.length > 1 && (history[0] as { atMs: number }).atMs < windowStart)
        history.shift();
      const lowest = Math.min(...history.map((s) => s.depth));
      const growth = depth - lowest;
      if (growth >= this.threshold) {
        if (!this.spiking.has(stream)) {
          this.spiking.add(stream);
          spikes.push({ stream, growth, depth, windowSeconds: this.windowSeconds });
        }
      } else {
        this.spiking.delete(stream);
      }
    }
    this.lastPollMs = nowMs;
    return spikes;
  }
}
