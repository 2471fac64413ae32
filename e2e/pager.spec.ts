import { mkdirSync } from "node:fs";
import { expect, type Page, test } from "@playwright/test";
import { E2E_ADMIN } from "./credentials";
import { signIn } from "./helpers";

/** The audit log's page size (app/_components/audit-log.tsx). */
const PAGE_SIZE = 25;
/** Two full pages and a short third, so there is a middle page with both buttons enabled. */
const CREATED = 2 * PAGE_SIZE + 5;

// An actor of this spec's own: filtering the audit log by it shows exactly the rows made here,
// whatever the other specs audited before. Unique per run, so a repeated spec does not collide.
const RUN = Date.now().toString(36);
const ACTOR = { username: `pager-${RUN}`, password: "pager-admin-password-1" };
const username = (n: number) => `pager-${RUN}-${String(n).padStart(2, "0")}`;
const created = (n: number) => `operator:${username(n)}`;

/** The audit rows this actor makes, newest first: N operator.create rows, then its sign-in. */
const NEWEST_FIRST = [
  ...Array.from({ length: CREATED }, (_, i) => created(CREATED - i)),
  `operator:${ACTOR.username}`, // session.start
];
const page1 = NEWEST_FIRST.slice(0, PAGE_SIZE);
const page2 = NEWEST_FIRST.slice(PAGE_SIZE, 2 * PAGE_SIZE);
const page3 = NEWEST_FIRST.slice(2 * PAGE_SIZE);

/** Creates an operator through the console's tRPC API, as the operators page does; audited. */
async function createOperator(
  page: Page,
  person: { username: string; role: "viewer" | "admin"; password: string },
) {
  const base = new URL(page.url()).origin;
  const response = await page.request.post(`${base}/api/trpc/operators.create`, {
    headers: { origin: base },
    data: { json: { ...person, displayName: person.username } },
  });
  expect(response.status(), await response.text()).toBe(200);
}

/** The Target column of the audit table: one distinct value per row this spec made. */
const targets = (page: Page) => page.getByTestId("audit-rows").locator("tr > td:nth-child(4)");
const newer = (page: Page) => page.getByRole("button", { name: "← Newer" });
const older = (page: Page) => page.getByRole("button", { name: "Older →" });

/** The page shows exactly these rows in this order (no overlap, no gap) under this page number. */
async function expectPage(page: Page, number: number, rows: string[]) {
  await expect(targets(page)).toHaveText(rows);
  await expect(page.getByText(`Page ${number}`, { exact: true })).toBeVisible();
}

test("the audit log pages older and newer through more rows than one page holds", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const admin = await signIn(browser, E2E_ADMIN.username, E2E_ADMIN.password);
  await createOperator(admin, { ...ACTOR, role: "admin" });
  await admin.context().close();

  // Every operator created is one audit row with its own target; one at a time, so ids follow n.
  const page = await signIn(browser, ACTOR.username, ACTOR.password);
  for (let n = 1; n <= CREATED; n += 1) {
    await createOperator(page, {
      username: username(n),
      role: "viewer",
      password: "pager-viewer-password-1",
    });
  }

  await page.goto("/audit");
  await page.getByLabel("Actor").selectOption(ACTOR.username);

  // The newest page first: nothing newer, something older.
  await expectPage(page, 1, page1);
  await expect(newer(page)).toBeDisabled();
  await expect(older(page)).toBeEnabled();

  mkdirSync("reports/screenshots", { recursive: true });
  await page.screenshot({ path: "reports/screenshots/pager-audit.png", fullPage: true });

  // Older: the next 25, starting right after page 1's last row; a middle page can go both ways.
  await older(page).click();
  await expectPage(page, 2, page2);
  await expect(newer(page)).toBeEnabled();
  await expect(older(page)).toBeEnabled();

  // The oldest page: the short rest, ending with the actor's sign-in; nothing older.
  await older(page).click();
  await expectPage(page, 3, page3);
  await expect(older(page)).toBeDisabled();
  await page.screenshot({ path: "reports/screenshots/pager-audit-last.png", fullPage: true });

  // Newer walks back one page at a time, not straight to the first.
  await newer(page).click();
  await expectPage(page, 2, page2);
  await newer(page).click();
  await expectPage(page, 1, page1);
  await expect(newer(page)).toBeDisabled();

  // A double click on Older moves one page, not two: while the next page loads the list still
  // shows the current one, and its Older must not push the same cursor again (that showed page 2
  // as "Page 3"). Reloaded first, so page 2 is not already cached.
  await page.reload();
  await page.getByLabel("Actor").selectOption(ACTOR.username);
  await expectPage(page, 1, page1);
  await older(page).dblclick();
  await expectPage(page, 2, page2);
  await newer(page).click();
  await expectPage(page, 1, page1);
  await expect(newer(page)).toBeDisabled();

  // A filter change starts again from the newest page.
  await older(page).click();
  await expectPage(page, 2, page2);
  await page.getByLabel("Action").selectOption("session.start");
  await expect(targets(page)).toHaveText([`operator:${ACTOR.username}`]);
  await expect(newer(page)).toHaveCount(0); // one page only: no pager at all
  await page.context().close();
});
