import { expect, test } from "@playwright/test";
import { E2E_ADMIN } from "./credentials";
import { boardRow, signIn } from "./helpers";

test("an admin (operator or above) turns a domain's shadow mirroring down to 10 %, with a reason, and the audit log shows it", async ({
  browser,
}) => {
  const page = await signIn(browser, E2E_ADMIN.username, E2E_ADMIN.password);
  await page.goto("/domains/governance");
  const form = page.getByRole("form", { name: "Shadow mirroring" });
  await expect(form.getByTestId("shadow-percent")).toHaveText("100 %");
  await expect(form).toContainText("used the next time the domain is in shadow");

  // checked in the page with the server's own schema: nothing is sent, each field says what is wrong
  await form.getByLabel("Share (%)").fill("150");
  await form.getByRole("button", { name: "Save share" }).click();
  await expect(form.getByRole("alert")).toHaveText([
    "percent must be between 0 and 100",
    "give a reason of at least 3 characters",
  ]);
  await expect(form.getByTestId("shadow-percent")).toHaveText("100 %");
  // an emptied field is no 0 (which would pause the mirror)
  await form.getByLabel("Share (%)").fill("");
  await form.getByLabel("Reason").fill("clearing the field by mistake");
  await form.getByRole("button", { name: "Save share" }).click();
  await expect(form.getByRole("alert")).toHaveText(["percent must be a number"]);
  await expect(form.getByTestId("shadow-percent")).toHaveText("100 %");

  await form.getByLabel("Share (%)").fill("10");
  await form.getByLabel("Reason").fill("the legacy runtime is busy during the exam week");
  await form.getByRole("button", { name: "Save share" }).click();
  await expect(form.getByTestId("shadow-percent")).toHaveText("10 %");
  await expect(form.getByRole("alert")).toHaveCount(0);
  await form.screenshot({ path: "reports/screenshots/shadow-mirror-form.png" });

  await page.getByRole("link", { name: "Audit log" }).click();
  const rows = page.getByTestId("audit-rows");
  await expect(rows).toContainText("migration.shadow_percent");
  await expect(rows).toContainText("domain:governance");

  // In shadow, the board says the domain is mirrored in part
  await page.goto("/domains/governance");
  await expect(form).toContainText("10 % of requests");
  await page.getByRole("button", { name: "Advance…" }).click();
  let dialog = page.getByRole("dialog");
  await dialog.getByRole("textbox", { name: /^Reason/ }).fill("e2e: shadow at a tenth");
  await dialog.getByRole("button", { name: "Confirm: shadow" }).click();
  await expect(dialog).toBeHidden();
  await expect(form).toContainText("mirrored to the new service now");
  await page.goto("/");
  await expect(boardRow(page, "governance").getByTestId("shadow-share")).toHaveText(
    "mirrors 10 % of requests",
  );
  await expect(boardRow(page, "identity").getByTestId("shadow-share")).toHaveCount(0);
  await boardRow(page, "governance").screenshot({
    path: "reports/screenshots/board-shadow-share.png",
  });

  // Leave governance on legacy, at every request, for the specs after this one.
  await page.goto("/domains/governance");
  await page.getByRole("button", { name: "Rollback…" }).click();
  dialog = page.getByRole("dialog");
  await dialog.getByRole("textbox", { name: /^Reason/ }).fill("e2e: back to legacy");
  await dialog.getByRole("button", { name: "Confirm: legacy" }).click();
  await expect(dialog).toBeHidden({ timeout: 15_000 });
  await form.getByLabel("Share (%)").fill("100");
  await form.getByLabel("Reason").fill("e2e: back to every request");
  await form.getByRole("button", { name: "Save share" }).click();
  await expect(form.getByTestId("shadow-percent")).toHaveText("100 %");
  await page.context().close();
});
