import { type Browser, expect, type Page } from "@playwright/test";
import { Redis } from "ioredis";
import type { DomainName } from "@/lib/contracts/domains";
import { writeParityCounts } from "@/lib/parity/parity-store";
import { e2eStack } from "./stack";

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

/** Writes a domain's shadow parity counts into the stack's Redis, as the gateway would. */
export async function setParity(domain: DomainName, matched: number, mismatched: number) {
  const stack = e2eStack();
  const redis = new Redis(stack.redisUrl);
  try {
    await writeParityCounts(redis, stack.keyPrefix, domain, { matched, mismatched });
  } finally {
    redis.disconnect();
  }
}
