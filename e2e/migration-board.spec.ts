import { expect, test } from "@playwright/test";
import { E2E_ADMIN, E2E_SESSION_SECONDS } from "./credentials";
import { boardRow, setParity, signIn } from "./helpers";

const OPERATOR = {
  username: "olivia",
  name: "Olivia Operator",
  password: "olivia-password-42",
  role: "operator",
};
const VIEWER = {
  username: "victor",
  name: "Victor Viewer",
  password: "victor-password-42",
  role: "viewer",
};

test.describe.configure({ mode: "serial" });

test("a visitor without a session is sent to the login page, and a wrong password is refused", async ({
  page,
}) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/login/);
  await page.getByLabel("Username").fill(E2E_ADMIN.username);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByText("Wrong username or password")).toBeVisible();
  const response = await page.request.get("/api/trpc/migration.list");
  expect(response.status()).toBe(401);
});

test("an admin creates an operator and a viewer", async ({ browser }) => {
  const admin = await signIn(browser, E2E_ADMIN.username, E2E_ADMIN.password);
  const cookies = await admin.context().cookies();
  const session = cookies.find((c) => c.name.endsWith("next-auth.session-token"));
  expect(session, "session cookie").toBeDefined();
  const lifetime = (session?.expires ?? 0) - Date.now() / 1000;
  expect(lifetime).toBeGreaterThan(E2E_SESSION_SECONDS - 120);
  expect(lifetime).toBeLessThanOrEqual(E2E_SESSION_SECONDS + 5);

  await admin.getByRole("link", { name: "Operators" }).click();
  for (const person of [OPERATOR, VIEWER]) {
    const form = admin.getByRole("form", { name: "create operator" });
    await form.getByLabel("Username").fill(person.username);
    await form.getByLabel("Display name").fill(person.name);
    await form.getByLabel("Initial password").fill(person.password);
    await form.getByLabel("Role").selectOption(person.role);
    await form.getByRole("button", { name: "Create operator" }).click();
    await expect(admin.getByRole("status")).toContainText(
      `Created ${person.username} (${person.role})`,
    );
    await expect(admin.getByTestId(`operator-row-${person.username}`)).toBeVisible();
  }
  await admin.getByRole("link", { name: "Audit log" }).click();
  await expect(admin.getByTestId("audit-rows")).toContainText(`operator:${VIEWER.username}`);
  await admin.context().close();
});

test("the operator moves learning to shadow then canary 10 %, and a viewer's board follows live", async ({
  browser,
}) => {
  const viewer = await signIn(browser, VIEWER.username, VIEWER.password);
  await expect(boardRow(viewer, "learning").getByTestId("state-badge")).toHaveText("legacy");

  const operator = await signIn(browser, OPERATOR.username, OPERATOR.password);
  const row = boardRow(operator, "learning");
  await row.getByTestId("advance-learning").click();
  let dialog = operator.getByRole("dialog");
  await dialog.getByLabel("Reason").fill("mirror traffic to compare answers");
  await dialog.getByRole("button", { name: "Confirm: shadow" }).click();
  await expect(dialog).toBeHidden();
  await expect(row.getByTestId("state-badge")).toHaveText("shadow");
  // The viewer's page was not reloaded: it must follow within 2 seconds.
  await expect(boardRow(viewer, "learning").getByTestId("state-badge")).toHaveText("shadow", {
    timeout: 2_000,
  });

  await row.getByTestId("advance-learning").click();
  dialog = operator.getByRole("dialog");
  await dialog.getByLabel("Share of users").fill("10");
  await dialog.getByLabel("Reason").fill("parity looks good, start the canary");
  await dialog.getByRole("button", { name: "Confirm: canary 10 %" }).click();
  // No shadow traffic compared yet: the server refuses the canary and says why.
  await expect(dialog.getByRole("alert")).toContainText(
    "measured over 0 compared requests; 200 are needed",
  );
  await setParity("learning", 640, 3); // what the gateway counts while shadowing
  await dialog.getByRole("button", { name: "Confirm: canary 10 %" }).click();
  await expect(dialog).toBeHidden();
  await expect(row.getByTestId("state-badge")).toHaveText("canary10 %");
  await expect(row.getByTestId("updated-by")).toHaveText(`by ${OPERATOR.username}`);
  await expect(operator.getByTestId("progress-traffic")).toHaveText("1.7 %");
  await expect(boardRow(viewer, "learning").getByTestId("state-badge")).toHaveText("canary10 %", {
    timeout: 2_000,
  });

  await operator.getByRole("link", { name: "Learning" }).click();
  await expect(operator.getByTestId("history")).toContainText(
    "parity looks good, start the canary",
  );
  await expect(operator.getByTestId("history")).toContainText("mirror traffic to compare answers");

  await operator.getByRole("link", { name: "Audit log" }).click();
  await operator.getByRole("combobox", { name: "Actor" }).selectOption(OPERATOR.username);
  // the operator's sign-ins (session.start) are audited too; only the transitions count here
  await operator.getByRole("combobox", { name: "Action" }).selectOption("migration.transition");
  const rows = operator.getByTestId("audit-rows").locator("tr");
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText("migration.transition");
  await expect(rows.first()).toContainText('"state":"canary"');

  await viewer.screenshot({ path: "reports/board.png", fullPage: true });
  await operator.context().close();
  await viewer.context().close();
});

test("the viewer sees the board with the controls disabled, and a forged request is refused", async ({
  browser,
}) => {
  const viewer = await signIn(browser, VIEWER.username, VIEWER.password);
  const row = boardRow(viewer, "learning");
  await expect(row.getByTestId("state-badge")).toHaveText("canary10 %");
  await expect(row.getByTestId("advance-learning")).toBeDisabled();
  await expect(row.getByTestId("rollback-learning")).toBeDisabled();
  await expect(viewer.getByRole("link", { name: "Operators" })).toHaveCount(0);

  // What a viewer's browser could send by hand, with the viewer's own session cookie.
  const forged = await viewer.request.post("/api/trpc/migration.rollback", {
    data: { json: { domain: "learning", reason: "forged by a viewer" } },
  });
  expect(forged.status()).toBe(403);
  const body = await forged.json();
  expect(body.error.json.data.code).toBe("FORBIDDEN");
  expect(body.error.json.message).toBe("this needs the operator role; you are viewer");

  const forgedAdmin = await viewer.request.post("/api/trpc/operators.update", {
    data: { json: { username: VIEWER.username, role: "admin" } },
  });
  expect(forgedAdmin.status()).toBe(403);

  await viewer.reload();
  await expect(boardRow(viewer, "learning").getByTestId("state-badge")).toHaveText("canary10 %");
  await viewer.context().close();
});

test("an operator's bad input gets a clear error from the server and changes nothing", async ({
  browser,
}) => {
  const operator = await signIn(browser, OPERATOR.username, OPERATOR.password);
  const response = await operator.request.post("/api/trpc/migration.transition", {
    data: {
      json: { domain: "learning", to: "canary", weight: 150, reason: "", expectedVersion: 3 },
    },
  });
  expect(response.status()).toBe(400);
  const body = await response.json();
  expect(body.error.json.message).toContain("weight must be between 0 and 100");
  expect(body.error.json.message).toContain("give a reason of at least 3 characters");
  await expect(boardRow(operator, "learning").getByTestId("state-badge")).toHaveText("canary10 %");
  await operator.context().close();
});

test("sign-out ends the session", async ({ browser }) => {
  const page = await signIn(browser, OPERATOR.username, OPERATOR.password);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  const response = await page.request.get("/api/trpc/migration.list");
  expect(response.status()).toBe(401);
  await page.goto("/");
  await expect(page).toHaveURL(/\/login/);
  await page.context().close();
});

test("a disabled operator is signed out on the next request", async ({ browser }) => {
  const operator = await signIn(browser, OPERATOR.username, OPERATOR.password);
  const admin = await signIn(browser, E2E_ADMIN.username, E2E_ADMIN.password);
  await admin.goto("/operators");
  await admin
    .getByTestId(`operator-row-${OPERATOR.username}`)
    .getByRole("button", { name: "Disable" })
    .click();
  await expect(
    admin.getByTestId(`operator-row-${OPERATOR.username}`).getByRole("button", { name: "Enable" }),
  ).toBeVisible();
  const response = await operator.request.get("/api/trpc/migration.list");
  expect(response.status()).toBe(401);
  await operator.reload();
  await expect(operator).toHaveURL(/\/login/);
  await admin.context().close();
  await operator.context().close();
});

test("an admin resets a viewer's password; the old one stops working", async ({ browser }) => {
  const admin = await signIn(browser, E2E_ADMIN.username, E2E_ADMIN.password);
  await admin.goto("/operators");
  const row = admin.getByTestId(`operator-row-${VIEWER.username}`);
  await row.getByRole("button", { name: "Reset password" }).click();
  await row.getByLabel(`new password for ${VIEWER.username}`).fill("victor-new-password-1");
  await row.getByRole("button", { name: "Save" }).click();
  await expect(row.getByRole("button", { name: "Reset password" })).toBeVisible();
  await admin.goto("/audit");
  await expect(admin.getByTestId("audit-rows").locator("tr").first()).toContainText(
    '"passwordReset":true',
  );
  await admin.context().close();

  const viewer = await signIn(browser, VIEWER.username, "victor-new-password-1");
  await expect(viewer.getByTestId("signed-in-as")).toContainText(VIEWER.username);
  await viewer.context().close();
});
