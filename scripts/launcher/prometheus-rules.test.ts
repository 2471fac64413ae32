import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { RULES_FILE } from "./prometheus-config";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "..", "..");
const rulesDir = path.dirname(path.join(root, RULES_FILE));

/** promtool's output (stdout and stderr), and its exit code: 0 when the rules are sound. */
async function promtool(...args: string[]) {
  try {
    const { stdout, stderr } = await run("promtool", args, { cwd: rulesDir });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

describe("Prometheus rules (k8s/base/observability/prometheus/rules.yml)", () => {
  it("pass promtool check rules", async () => {
    const result = await promtool("check", "rules", "rules.yml");
    expect(result.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(result.code).toBe(0);
  });

  it("record the console's series and fire the SLO, DLQ and lag alerts on made-up data (promtool test rules)", async () => {
    const result = await promtool("test", "rules", "rules.test.yml");
    expect(result.output).toContain("SUCCESS");
    expect(result.code).toBe(0);
  });
});
