import type { DomainName } from "@/lib/contracts/domains";
import { type VerifyOptions, verifyDomain } from "@/lib/data-sync/verifier";
import type { EngineLoop } from "./engine-loop";

export type VerifyRun = { rows: number; ms: number; differences: number; mismatchedChunks: number };

/** One `verifyDomain` per domain, one after the other, as the engine runs them. */
export async function runVerifier(
  engine: EngineLoop,
  domains: readonly DomainName[],
  options: VerifyOptions,
): Promise<VerifyRun> {
  const run: VerifyRun = { rows: 0, ms: 0, differences: 0, mismatchedChunks: 0 };
  for (const domain of domains) {
    const sides = engine.sides.get(domain);
    if (!sides) throw new Error(`the engine does not sync ${domain}`);
    const started = performance.now();
    const report = await verifyDomain(sides, options);
    run.ms += performance.now() - started;
    run.rows += report.rowsCompared;
    run.differences += report.differences.length;
    run.mismatchedChunks += report.chunksMismatched;
  }
  return run;
}
