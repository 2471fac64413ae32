/**
 * Prints one line, `N passed, N failed, N skipped`, summed from the JSON reports that vitest and
 * Playwright write to reports/. A runner that did not run (an earlier step failed) counts zero.
 */
import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";

const VitestReportSchema = z.object({
  numPassedTests: z.number(),
  numFailedTests: z.number(),
  numPendingTests: z.number().default(0),
  numTodoTests: z.number().default(0),
});

const PlaywrightReportSchema = z.object({
  stats: z.object({
    expected: z.number(),
    unexpected: z.number(),
    flaky: z.number().default(0),
    skipped: z.number().default(0),
  }),
});

function read<T>(file: string, schema: z.ZodType<T>): T | null {
  if (!existsSync(file)) return null;
  return schema.parse(JSON.parse(readFileSync(file, "utf8")));
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const vitest = read("reports/vitest.json", VitestReportSchema);
if (vitest) {
  totals.passed += vitest.numPassedTests;
  totals.failed += vitest.numFailedTests;
  totals.skipped += vitest.numPendingTests + vitest.numTodoTests;
}
const playwright = read("reports/playwright.json", PlaywrightReportSchema);
if (playwright) {
  // A flaky test passed on retry; it counts as failed so that it gets looked at.
  totals.passed += playwright.stats.expected;
  totals.failed += playwright.stats.unexpected + playwright.stats.flaky;
  totals.skipped += playwright.stats.skipped;
}
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
