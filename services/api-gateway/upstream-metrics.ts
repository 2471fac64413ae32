import type { Histogram } from "prom-client";

type Child = { observe(value: number): void };

/**
 * `gateway_upstream_request_duration_seconds` with its labelled children looked up once per
 * (domain, side, traffic, outcome) and kept: prom-client hashes a label object on every
 * `observe({...})`, which the gateway would pay on every call.
 */
export class UpstreamCalls {
  readonly #children = new Map<string, Map<string, Child>>();

  constructor(private readonly histogram: Histogram<"domain" | "side" | "traffic" | "outcome">) {}

  observe(
    domain: string,
    side: string,
    traffic: string,
    outcome: number | string,
    latencyMs: number,
  ): void {
    const upstream = `${domain}:${side}:${traffic}`;
    let byOutcome = this.#children.get(upstream);
    if (!byOutcome) {
      byOutcome = new Map();
      this.#children.set(upstream, byOutcome);
    }
    const label = typeof outcome === "number" ? statusText(outcome) : outcome;
    let child = byOutcome.get(label);
    if (!child) {
      child = this.histogram.labels({ domain, side, traffic, outcome: label });
      byOutcome.set(label, child);
    }
    child.observe(latencyMs / 1000);
  }
}

const STATUS_TEXT: string[] = [];

/** A status code's decimal text, made once per code. */
function statusText(status: number): string {
  let text = STATUS_TEXT[status];
  if (text === undefined) {
    text = String(status);
    STATUS_TEXT[status] = text;
  }
  return text;
}
