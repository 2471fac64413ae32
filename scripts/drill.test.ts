/**
 * The fault drill's shortened catalogue (the faults marked * in scripts/drill/faults.ts: SIGKILL
 * of the gateway, of the canary service and of the legacy runtime's effects consumer, a Redis
 * restart, a hung handler) and every bad input, on a platform of the drill's own. Nothing
 * acknowledged may be lost, nothing applied twice, and no bad input may get a 5xx or internal text.
 */
import { describe, expect, it } from "vitest";
import { formatReport, runDrill } from "./drill/run";

describe("the fault drill (shortened)", () => {
  it("loses nothing, doubles nothing, and refuses every bad input plainly", async () => {
    const report = await runDrill({ root: process.cwd(), quick: true, log: () => {} });
    console.log(formatReport(report));
    const faults = report.faults.map((r) => r.fault);
    expect(faults.length).toBeGreaterThanOrEqual(6);
    for (const r of report.faults) {
      expect({
        fault: r.fault,
        lost: r.lost,
        duplicated: r.duplicated,
        details: r.details,
      }).toEqual({
        fault: r.fault,
        lost: 0,
        duplicated: 0,
        details: [],
      });
      expect(r.note, r.fault).not.toContain("FAULT NOT APPLIED");
    }
    // the canary took a share of the learning writes, so its faults were faults of a canary
    expect(report.interactionsBy.learning ?? 0).toBeGreaterThan(0);
    expect(report.acknowledged).toBeGreaterThan(200);
    expect(report.badInputs.filter((b) => !b.ok)).toEqual([]);
    expect(report.ok).toBe(true);
  }, 235_000);
});
