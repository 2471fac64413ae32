/**
 * The fault drill (issue 8): starts a platform of its own with the launcher's code (embedded
 * PostgreSQL, its own redis-server, every process on free ports, supervised and restarted as by
 * `npm start`), sends traffic through the gateway with learning in canary, applies each fault
 * of the catalogue, then the bad inputs, and prints two tables. Exits 1 on any loss, duplicate,
 * fault not applied or bad input answered wrongly.
 *
 *   npx tsx scripts/drill.ts            the whole catalogue (~6 min)
 *   npx tsx scripts/drill.ts --quick    the faults marked * (what scripts/drill.test.ts runs)
 *   npx tsx scripts/drill.ts --only redis,hung
 *
 * KEIKO_DRILL_KEEP=1 keeps the temporary folder (the platform's log is in it).
 */
import { formatReport, runDrill } from "./drill/run";

const args = process.argv.slice(2);
const onlyIndex = args.indexOf("--only");
const only = onlyIndex >= 0 ? args[onlyIndex + 1]?.split(",").filter(Boolean) : undefined;

try {
  const report = await runDrill({ root: process.cwd(), quick: args.includes("--quick"), only });
  console.log(formatReport(report));
  console.log(
    `\n${report.requests} client requests (learning writes answered by ${JSON.stringify(report.interactionsBy)}), ${report.acknowledged} writes acknowledged; ${report.ok ? "no loss, no duplicate, every bad input refused as expected" : "FAILED"}`,
  );
  process.exit(report.ok ? 0 : 1);
} catch (error) {
  console.error(
    `drill: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
}
