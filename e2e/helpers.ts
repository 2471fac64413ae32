import { type Browser, expect, type Page } from "@playwright/test";

/** Opens a fresh browser context (its own cookies) and signs in through the login form. */
export async function signIn(browser: Browser, username: string, password: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("signed-in-as")).toContainText(username);
  return page;
}

/** The row of a domain on the board. */
export function boardRow(page: Page, domain: string) {
  return page.getByTestId(`domain-row-${domain}`);
}
