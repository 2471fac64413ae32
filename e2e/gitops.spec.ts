import { expect, test } from "@playwright/test";
import pg from "pg";
import { databaseUrlFor } from "@/lib/config/parse-env";
import { ApplicationClient } from "@/server/gitops/application-client";
import { kubeConfigFor } from "@/server/gitops/kube-config";
import { E2E_KUBE_TOKEN, e2eStandInPort } from "@/server/gitops/testing/e2e-gitops";
import { E2E_ADMIN } from "./credentials";
import { signIn } from "./helpers";
import { e2eStack } from "./stack";

const stack = e2eStack();
const control = new pg.Pool({
  connectionString: databaseUrlFor(stack.serverUrl, stack.controlDatabase),
  max: 1,
});
// What Argo CD's controller would write: the spec plays it through the same Kubernetes API the console watches.
const argo = new ApplicationClient(
  kubeConfigFor(`http://127.0.0.1:${e2eStandInPort()}`, E2E_KUBE_TOKEN),
  "argocd",
);

test.afterAll(async () => {
  await control.query(
    "update domains set state = 'legacy', canary_weight = 0, write_fence = false where name = 'identity'",
  );
  await control.end();
});

/** A new commit on main: Argo CD compares against it and reports OutOfSync. */
async function newCommit(name: string, revision: string) {
  await argo.mergePatch(name, { status: { sync: { status: "OutOfSync", revision } } });
}

async function observed(application: string, revision: string, health: string) {
  await expect
    .poll(
      async () =>
        (
          await control.query(
            `select 1 from timeline_events where kind = 'argocd_sync' and details->>'application' = $1
               and details->>'revision' = $2 and details->>'observedHealth' = $3`,
            [application, revision, health],
          )
        ).rowCount,
      { timeout: 10_000 },
    )
    .toBeGreaterThan(0);
}

test("a Sync click takes an Application from OutOfSync to Synced", async ({ browser }) => {
  const page = await signIn(browser, E2E_ADMIN.username, E2E_ADMIN.password);
  await page.goto("/gitops");
  const card = page.getByTestId("app-keiko-learning-dev");
  await expect(card.getByTestId("sync-badge")).toHaveText("Synced");
  await expect(card.getByTestId("image-drift")).toContainText("drift"); // dev's overlay asks for bbb2222
  await newCommit("keiko-learning-dev", "ddd4444");
  await expect(card.getByTestId("sync-badge")).toHaveText("OutOfSync");
  await card.getByRole("button", { name: "Sync", exact: true }).click();
  await expect(card.getByText("syncing…")).toBeVisible();
  await expect(card.getByTestId("sync-badge")).toHaveText("Synced", { timeout: 15_000 });
  await expect(card.getByText("syncing…")).toBeHidden();
  await expect(card.getByTestId("last-sync-phase")).toHaveText("Succeeded");
  await card.getByRole("button", { name: "Details" }).click();
  await expect(card.getByTestId("history-keiko-learning-dev-1")).toContainText("ddd4444");
  await expect(card.getByTestId("history-keiko-learning-dev-1")).toContainText("admin");
  await page.context().close();
});

test("the Git-aware domain rollback routes to legacy, pauses auto-sync and goes back to the last Healthy revision", async ({
  browser,
}) => {
  const name = "keiko-identity-production";
  const page = await signIn(browser, E2E_ADMIN.username, E2E_ADMIN.password);
  await page.goto("/gitops");
  const card = page.getByTestId(`app-${name}`);
  await expect(card.getByTestId("health-badge").first()).toHaveText("Healthy");
  await observed(name, "aaa1111", "Healthy");

  // a bad commit is deployed and its pods start failing
  await newCommit(name, "eee5555");
  await expect(card.getByTestId("sync-badge")).toHaveText("OutOfSync");
  await card.getByRole("button", { name: "Sync", exact: true }).click();
  await expect(card.getByText("syncing…")).toBeVisible();
  await expect(card.getByText("syncing…")).toBeHidden({ timeout: 15_000 });
  await expect(card.getByTestId("sync-badge")).toHaveText("Synced");
  // the pods only fail after the deploy finished Healthy (as a crash loop does)
  await observed(name, "eee5555", "Healthy");
  await argo.mergePatch(name, {
    status: { health: { status: "Degraded", message: "CrashLoopBackOff" } },
  });
  await expect(card.getByTestId("health-badge").first()).toHaveText("Degraded");
  await observed(name, "eee5555", "Degraded");
  await control.query(
    "update domains set state = 'canary', canary_weight = 25 where name = 'identity'",
  );

  await card.getByRole("button", { name: "Roll back domain" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("rollback-preview")).toContainText(
    "aaa1111 (history 0, last seen Healthy)",
  );
  await dialog.getByLabel("Reason").fill("eee5555 crash-loops");
  await dialog.getByRole("button", { name: "Roll back now" }).click();

  const result = page.getByTestId("domain-rollback-result");
  await expect(result).toBeVisible({ timeout: 30_000 });
  await expect(result.getByTestId("rollback-step-route")).toContainText("done");
  await expect(result.getByTestId("rollback-step-pause")).toContainText("done");
  await expect(result.getByTestId("rollback-step-rollback")).toContainText("aaa1111");
  await expect(result.getByTestId("rollback-step-argo")).toContainText("Succeeded");
  await expect(result.getByTestId("rollback-total-ms")).toHaveText(/\d+ ms/);
  await expect(card.getByTestId("auto-sync-off")).toHaveText("auto-sync paused");
  await expect(card.getByTestId("health-badge").first()).toHaveText("Healthy");

  const { rows } = await control.query(
    "select state, write_fence from domains where name = 'identity'",
  );
  expect(rows[0]).toEqual({ state: "legacy", write_fence: false });
  const app = await argo.get(name);
  expect(app.spec.syncPolicy?.automated).toBeFalsy();
  expect(app.status?.history?.at(-1)?.revision).toBe("aaa1111");
  const audit = await control.query(
    "select actor, after from audit_log where action = 'gitops.domain_rollback' order by id desc limit 1",
  );
  expect(audit.rows[0]?.actor).toBe(E2E_ADMIN.username);
  await page.screenshot({ path: "reports/screenshots/gitops.png", fullPage: true });
  await page.context().close();
});
