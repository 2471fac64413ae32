import { readFileSync } from "node:fs";
import { expect, type Page, test } from "@playwright/test";
import pg from "pg";
import { databaseUrlFor } from "@/lib/config/parse-env";
import { E2E_ADMIN, E2E_DLQ_OPERATOR } from "./credentials";
import { boardRow, setParity, signIn } from "./helpers";
import { e2eStack } from "./stack";

/**
 * The e2e stack runs the data-sync worker once scripts/e2e-server.ts starts it; until then the
 * panel must say plainly that the sync is not running, and a requested verification waits.
 */
const syncWorkerInStack = readFileSync("scripts/e2e-server.ts", "utf8").includes(
  "workers/data-sync.ts",
);

test.describe.configure({ mode: "serial" });

const stack = e2eStack();
const legacyDb = new pg.Pool({
  connectionString: databaseUrlFor(stack.serverUrl, stack.legacyDatabase),
  max: 1,
});
test.afterAll(() => legacyDb.end());

const SEEDED_INTERACTIONS = 300;

/** Learning rows written straight into legacy (as a hand edit would be), for the sync to carry. */
async function seedLegacyLearning(): Promise<void> {
  const run = crypto.randomUUID();
  await legacyDb.query(
    `insert into users (id, did, display_name, roles)
     select gen_random_uuid(), 'did:keiko:e2e-data-' || $1 || '-' || g, 'Data ' || g, array['student']
       from generate_series(1, 20) g`,
    [run],
  );
  await legacyDb.query(
    `with u as (select id, row_number() over () as n from users where did like $1)
     insert into interactions (id, type, content, duration_seconds, tutor_id, student_id, occurred_at)
     select gen_random_uuid(), 'lesson', 'e2e data ' || g, 60 + g,
            (select id from u where n = 1 + g % 20), (select id from u where n = 1 + (g + 7) % 20),
            now() - make_interval(secs => g)
       from generate_series(1, $2::int) g`,
    [`did:keiko:e2e-data-${run}-%`, SEEDED_INTERACTIONS],
  );
}

function dataPanel(page: Page) {
  return page.getByTestId("data-panel");
}

test("an operator reads learning's data panel, verifies now, and the board shows the data column", async ({
  browser,
}) => {
  test.setTimeout(90_000);
  await seedLegacyLearning();
  const operator = await signIn(browser, E2E_DLQ_OPERATOR.username, E2E_DLQ_OPERATOR.password);
  await operator.goto("/domains/learning");
  const panel = dataPanel(operator);
  await expect(panel).toBeVisible();
  await expect(panel.getByTestId("data-health")).toBeVisible();
  await expect(panel.getByTestId("backfill-status")).toHaveText(
    /^(not started|running|paused|complete)$/,
  );
  await expect(panel.getByTestId("backfill-rows")).toContainText("rows");
  await expect(panel.getByRole("progressbar", { name: "backfill progress" })).toBeVisible();
  const sync = panel.getByRole("region", { name: "sync lag" });
  const verification = panel.getByRole("region", { name: "verification" });
  const verifyNow = verification.getByRole("button", { name: "Verify now" });

  if (syncWorkerInStack) {
    // Both directions beat, each with its backlog and lag.
    await expect(sync.getByTestId("sync-legacy_to_service")).toContainText("pending", {
      timeout: 20_000,
    });
    await expect(sync.getByTestId("sync-service_to_legacy")).toContainText("pending");
    await expect(sync.getByTestId("sync-lag").first()).toContainText("lag");
    await expect(sync.getByTestId("sync-down")).toHaveCount(0);

    // The backfill, started here unless the stack started it already, runs to the end.
    const backfill = panel.getByTestId("backfill-status");
    if ((await backfill.textContent()) === "not started") {
      await panel.getByRole("button", { name: "Start backfill…" }).click();
      await operator
        .getByRole("dialog", { name: "Start the backfill of learning" })
        .getByRole("button", { name: "Start backfill" })
        .click();
    } else if ((await backfill.textContent()) === "paused") {
      await panel.getByRole("button", { name: "Resume…" }).click();
      await operator.getByRole("dialog").getByRole("button", { name: "Resume backfill" }).click();
    }
    await expect(backfill).toHaveText("complete", { timeout: 30_000 });

    // A verification the worker queued itself (after the backfill) finishes first.
    await expect(verifyNow).toBeEnabled({ timeout: 30_000 });
    await verifyNow.click();
    await expect(verification.getByTestId("verification-requested-by")).toHaveText(
      E2E_DLQ_OPERATOR.username,
      { timeout: 30_000 },
    );
    await expect(verification.getByTestId("verification-outcome")).toHaveText(
      /^(clean|\d+ differences)$/,
    );
    const compared = Number(
      (await verification.getByTestId("verification-rows").textContent())?.replace(/,/g, ""),
    );
    expect(compared).toBeGreaterThanOrEqual(SEEDED_INTERACTIONS);
    await expect(verification.getByTestId("verification-in-flight")).toHaveCount(0);
  } else {
    await expect(sync.getByTestId("sync-down")).toContainText("The data sync is not running");
    await verifyNow.click();
    await expect(verification.getByTestId("verification-in-flight")).toContainText(
      "waits for the data sync, which is not running",
    );
    await expect(verifyNow).toBeDisabled();
  }
  await expect(panel.getByRole("region", { name: "quarantine" })).toContainText(
    "Quarantined changes",
  );
  await expect(panel.getByRole("region", { name: "conflicts" })).toContainText("Conflicts");
  await operator.screenshot({ path: "reports/data-panel.png", fullPage: true });

  await operator.getByRole("link", { name: "Migration board" }).first().click();
  const health = boardRow(operator, "learning").getByTestId("data-health");
  await expect(health).toBeVisible();
  await expect(boardRow(operator, "learning").getByTestId("data-summary")).not.toBeEmpty();
  if (syncWorkerInStack) {
    await expect(health).toHaveAttribute("data-health", /^(verified|differences|lagging)$/);
  }
  await operator.screenshot({ path: "reports/board-data.png", fullPage: true });
  await operator.context().close();
});

test("the data gate refuses governance's canary with its reasons; an admin may override it", async ({
  browser,
}) => {
  test.setTimeout(60_000);
  const operator = await signIn(browser, E2E_DLQ_OPERATOR.username, E2E_DLQ_OPERATOR.password);
  await operator.goto("/domains/governance");
  await operator.getByRole("button", { name: "Advance…" }).click();
  let dialog = operator.getByRole("dialog");
  await dialog.getByRole("textbox", { name: /^Reason/ }).fill("mirror governance traffic");
  await dialog.getByRole("button", { name: "Confirm: shadow" }).click();
  await expect(dialog).toBeHidden();
  await setParity("governance", 500, 0); // parity is fine: only the data gate stands

  await operator.getByRole("button", { name: "Advance…" }).click();
  dialog = operator.getByRole("dialog");
  await expect(dialog.getByTestId("transition-data")).toContainText("Data:");
  await expect(dialog.getByText("Override the data gate")).toHaveCount(0); // operators cannot
  await dialog.getByRole("textbox", { name: /^Reason/ }).fill("start the canary");
  await dialog.getByRole("button", { name: /Confirm: canary/ }).click();
  await expect(dialog.getByRole("alert")).toContainText("the data of governance is not ready");
  // The e2e stack does not sync governance: its data cannot be ready, whatever the reasons say.
  await expect(dialog.getByRole("alert")).toContainText(
    /the backfill is (not started|running|paused)|the data sync is not running|not been verified/,
  );
  await operator.screenshot({ path: "reports/data-gate-refused.png" });
  await operator.context().close();

  const admin = await signIn(browser, E2E_ADMIN.username, E2E_ADMIN.password);
  await admin.goto("/domains/governance");
  await admin.getByRole("button", { name: "Advance…" }).click();
  dialog = admin.getByRole("dialog");
  await dialog.getByLabel("Override the data gate").check();
  await dialog
    .getByRole("textbox", { name: /^Reason/ })
    .fill("e2e: the data gate override is audited");
  await dialog.getByRole("button", { name: /Confirm: canary/ }).click();
  await expect(dialog).toBeHidden();
  await expect(admin.getByTestId("state-badge").first()).toContainText("canary");

  // Leave governance on legacy for the specs after this one.
  await admin.getByRole("button", { name: "Rollback…" }).click();
  dialog = admin.getByRole("dialog");
  await dialog.getByRole("textbox", { name: /^Reason/ }).fill("e2e: back to legacy");
  await dialog.getByRole("button", { name: "Confirm: legacy" }).click();
  await expect(dialog).toBeHidden({ timeout: 15_000 });
  await expect(admin.getByTestId("state-badge").first()).toHaveText("legacy");
  await admin.context().close();
});
