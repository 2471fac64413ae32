import { expect, test } from "@playwright/test";
import { E2E_ADMIN } from "./credentials";
import { signIn } from "./helpers";

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
  await page.context().close();
});
