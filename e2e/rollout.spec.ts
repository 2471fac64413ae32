import { expect, test } from "@playwright/test";
import pg from "pg";
import { databaseUrlFor } from "@/lib/config/parse-env";
import { E2E_DLQ_OPERATOR } from "./credentials";
import { boardRow, setParity, signIn } from "./helpers";
import { e2eStack } from "./stack";

const stack = e2eStack();
const gateway = `http://127.0.0.1:${stack.ports.gateway}`;
const learningDb = new pg.Pool({
  connectionString: databaseUrlFor(stack.serverUrl, stack.learningDatabase),
  max: 1,
});

/** Client traffic through the gateway, each request on behalf of a random user. */
function startTraffic(perSecond: number) {
  const results = { ok: 0, failed: 0, bySide: {} as Record<string, number> };
  let running = true;
  const loop = async () => {
    while (running) {
      const batch = Array.from({ length: perSecond / 10 }, async () => {
        try {
          const response = await fetch(`${gateway}/api/learning/v1/interactions?limit=1`, {
            headers: { "x-keiko-user": crypto.randomUUID() },
            signal: AbortSignal.timeout(3_000),
          });
          await response.arrayBuffer();
          const side = response.headers.get("x-keiko-upstream") ?? "none";
          results.bySide[side] = (results.bySide[side] ?? 0) + 1;
          if (response.ok) results.ok += 1;
          else results.failed += 1;
        } catch {
          results.failed += 1;
        }
      });
      await Promise.all([...batch, new Promise((resolve) => setTimeout(resolve, 100))]);
    }
  };
  const done = loop();
  return {
    results,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

test.afterAll(async () => {
  await learningDb
    .query("alter table if exists interactions_broken rename to interactions")
    .catch(() => undefined);
  await learningDb.end();
});

test("a rollout plan's canary breaks; slo-guard rolls it back and the board shows it", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const operator = await signIn(browser, E2E_DLQ_OPERATOR.username, E2E_DLQ_OPERATOR.password);
  // Start from legacy whatever an earlier spec left learning in (already-on-legacy is refused: fine).
  await operator.request.post("/api/trpc/migration.rollback", {
    data: { json: { domain: "learning", reason: "start the rollout spec from legacy" } },
  });

  // A tight SLO so a short test judges it: 5 % errors over 5 s, from 10 requests.
  await operator.goto("/domains/learning");
  const policy = operator.getByRole("form", { name: "SLO policy" });
  await policy.getByLabel("Max error rate (%)").fill("5");
  // this spec is about the error rate: a slow moment of a loaded machine must not roll it back first
  await policy.getByLabel("Max p99 (ms)").fill("10000");
  await policy.getByLabel("Min requests").fill("10");
  await policy.getByLabel("Window (s)").fill("5");
  await policy.getByRole("button", { name: "Save policy" }).click();
  await expect(policy.getByRole("status")).toHaveText("Saved.");

  // legacy → shadow, then the parity the gateway would have measured, then the rollout.
  await operator.getByRole("button", { name: "Advance…" }).click();
  const dialog = operator.getByRole("dialog");
  await dialog.getByLabel("Reason").fill("mirror learning traffic");
  await dialog.getByRole("button", { name: "Confirm: shadow" }).click();
  await expect(dialog).toBeHidden();
  await setParity("learning", 500, 0);
  const start = operator.getByRole("form", { name: "start rollout" });
  await start.getByLabel("Canary steps (%)").fill("30, 60, 100");
  await start.getByLabel("Hold per step").fill("300");
  await start.getByLabel("Reason").fill("progressive rollout of learning");
  await start.getByRole("button", { name: "Start rollout" }).click();
  await expect(operator.getByTestId("rollout-status").first()).toContainText("step 1/3 at 30 %");
  await operator.screenshot({ path: "reports/domain-rollout.png", fullPage: true });

  const traffic = startTraffic(50);
  try {
    // Traffic flows to both sides, and the resilience page shows the canary's upstream.
    const seen = () => JSON.stringify(traffic.results);
    const fewerSide = () =>
      Math.min(traffic.results.bySide.learning ?? 0, traffic.results.bySide["legacy-runtime"] ?? 0);
    await expect.poll(fewerSide, { timeout: 15_000, message: seen() }).toBeGreaterThan(10);
    await operator.goto("/resilience");
    await expect(operator.getByTestId("breaker-learning:service")).toBeVisible({
      timeout: 10_000,
    });
    await operator.screenshot({ path: "reports/resilience.png", fullPage: true });

    // The fault: the new service loses its table and answers 500.
    await operator.goto("/");
    const faultAt = Date.now();
    await learningDb.query("alter table interactions rename to interactions_broken");
    const row = boardRow(operator, "learning");
    await expect(row.getByTestId("state-badge")).toHaveText("legacy", { timeout: 20_000 });
    const shownAfterMs = Date.now() - faultAt;
    await expect(operator.getByTestId("guard-alerts")).toContainText(
      "slo-guard rolled learning back to legacy",
    );
    await expect(operator.getByTestId("guard-alerts")).toContainText("error rate");
    await expect(row.getByTestId("updated-by")).toHaveText("by slo-guard");
    console.log(`fault → rollback shown on the board: ${shownAfterMs} ms`);
    await operator.screenshot({ path: "reports/board-rollback.png", fullPage: true });

    // Back on legacy, clients are served again.
    const before = traffic.results.ok;
    await expect.poll(() => traffic.results.ok - before, { timeout: 10_000 }).toBeGreaterThan(20);
  } finally {
    await traffic.stop();
  }
  await operator.goto("/audit");
  await operator.getByRole("combobox", { name: "Actor" }).selectOption("slo-guard");
  await expect(operator.getByTestId("audit-rows").locator("tr").first()).toContainText(
    "migration.rollback",
  );
  await operator.context().close();
});
