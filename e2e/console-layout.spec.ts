import { mkdirSync } from "node:fs";
import { expect, type Page, test } from "@playwright/test";
import { E2E_ADMIN } from "./credentials";

const WIDTHS = [1280, 1440, 1920] as const;
const HEIGHT = 900;
const SHOTS = "reports/screenshots/pages";
// Every console page an admin sees, with the name its screenshots carry.
const PAGES = [
  ["board", "/"],
  ["resilience", "/resilience"],
  ["parity", "/parity"],
  ["events", "/events"],
  ["dlq", "/dlq"],
  ["timeline", "/timeline"],
  ["observability", "/observability"],
  ["gitops", "/gitops"],
  ["audit", "/audit"],
  ["operators", "/operators"],
  ["domain-learning", "/domains/learning"],
] as const;

/** The nav bar's children, their vertical centres and the bar's own height and padding. */
async function navGeometry(page: Page) {
  return page
    .locator("header nav")
    .first()
    .evaluate((nav) => {
      const style = getComputedStyle(nav);
      const padding = Number.parseFloat(style.paddingTop) + Number.parseFloat(style.paddingBottom);
      const links = [...nav.querySelectorAll("ul a")].map((a) => (a as HTMLElement).offsetTop);
      const children = [...nav.children].map((child) => {
        const box = child.getBoundingClientRect();
        return { top: box.top, height: box.height, centre: box.top + box.height / 2 };
      });
      return {
        navHeight: nav.getBoundingClientRect().height,
        padding,
        linkTops: links,
        children,
        tallestChild: Math.max(...children.map((c) => c.height)),
      };
    });
}

test.describe.configure({ timeout: 600_000 });

test("every console page keeps the nav on one line and scrolls only vertically at 1280–1920 px", async ({
  browser,
}) => {
  mkdirSync(SHOTS, { recursive: true });
  const context = await browser.newContext({ viewport: { width: 1400, height: HEIGHT } });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Username").fill(E2E_ADMIN.username);
  await page.getByLabel("Password").fill(E2E_ADMIN.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("signed-in-as")).toContainText(E2E_ADMIN.username, {
    timeout: 30_000,
  });

  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: HEIGHT });
    for (const [name, path] of PAGES) {
      await test.step(`${name} at ${width} px`, async () => {
        await page.goto(path);
        await expect(page.locator("h1").first()).toBeVisible({ timeout: 20_000 });
        // Live pages poll; a quiet half second is enough for their first data to land.
        await page.waitForLoadState("networkidle", { timeout: 8_000 }).catch(() => undefined);
        await page.screenshot({ path: `${SHOTS}/${name}-${width}.png`, fullPage: true });

        const nav = await navGeometry(page);
        expect.soft(nav.linkTops.length, `${name}: nav links`).toBe(10);
        expect
          .soft(new Set(nav.linkTops).size, `${name} at ${width}: nav links on one line`)
          .toBe(1);
        expect
          .soft(nav.navHeight, `${name} at ${width}: nav is one row high`)
          .toBeLessThanOrEqual(nav.tallestChild + nav.padding + 1);
        const centres = nav.children.map((c) => c.centre);
        expect
          .soft(Math.max(...centres) - Math.min(...centres), `${name} at ${width}: nav row aligned`)
          .toBeLessThanOrEqual(2);

        const overflow = await page.evaluate(() => ({
          scrollWidth: document.documentElement.scrollWidth,
          clientWidth: document.documentElement.clientWidth,
        }));
        expect
          .soft(overflow.scrollWidth, `${name} at ${width}: no horizontal scroll`)
          .toBeLessThanOrEqual(overflow.clientWidth);
      });
    }
  }
  await context.close();
});
