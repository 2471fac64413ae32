#!/usr/bin/env node
// Which deployables a set of changed files touches: each maps to one image target of the
// Dockerfile. Plain JavaScript so the deploy workflow runs it without installing anything.
import { execFileSync } from "node:child_process";
import { appendFileSync } from "node:fs";

export const DOMAIN_SERVICES = [
  "identity",
  "learning",
  "reputation",
  "passport",
  "governance",
  "marketplace",
];
export const DEPLOYABLES = [
  "console",
  "api-gateway",
  "legacy-runtime",
  ...DOMAIN_SERVICES,
  "outbox-relay",
  "data-sync",
  "slo-guard",
];
const NODE_PROCESSES = DEPLOYABLES.filter((name) => name !== "console");

/** The deployables whose image `file` is part of. */
export function deployablesOf(file) {
  // shared by every image: dependencies, the platform library, the image recipe
  if (/^(package(-lock)?\.json|tsconfig\.json|Dockerfile|\.dockerignore)$/.test(file))
    return DEPLOYABLES;
  if (file.startsWith("lib/")) return DEPLOYABLES;
  if (
    /^(app|server)\//.test(file) ||
    /^(next\.config\.ts|postcss\.config\.mjs|instrumentation\.ts)$/.test(file)
  ) {
    return ["console"];
  }
  const service = /^services\/([^/]+)\//.exec(file)?.[1];
  // the relay image carries every service's consumer declarations
  if (service) return NODE_PROCESSES.includes(service) ? [service, "outbox-relay"] : [];
  if (/^workers\/outbox-relay/.test(file)) return ["outbox-relay"];
  if (/^workers\/data-sync/.test(file)) return ["data-sync"];
  if (/^workers\/slo-guard/.test(file)) return ["slo-guard"];
  return [];
}

/** The deployables to rebuild for these changed files, in a stable order; tests never count. */
export function changedDeployables(files) {
  const touched = new Set(
    files.filter((file) => !/\.test\.tsx?$|\/testing\//.test(file)).flatMap(deployablesOf),
  );
  return DEPLOYABLES.filter((name) => touched.has(name));
}

// CLI: changed-services.mjs <base-sha> <head-sha> [output-file] → appends services=<json> to the file
if (import.meta.url === `file://${process.argv[1]}`) {
  const [base, head, outputFile] = process.argv.slice(2);
  const all = !base || /^0+$/.test(base);
  const files = all
    ? ["lib/"]
    : execFileSync("git", ["diff", "--name-only", base, head], { encoding: "utf8" })
        .split("\n")
        .filter(Boolean);
  const services = JSON.stringify(changedDeployables(files));
  console.log(`changed deployables: ${services}`);
  if (outputFile) appendFileSync(outputFile, `services=${services}\n`);
}
