import { mkdirSync } from "node:fs";
import { type APIRequestContext, type Browser, expect, type Page, test } from "@playwright/test";
import { Redis } from "ioredis";
import { writeParityCounts } from "@/lib/parity/parity-store";
import { E2E_ADMIN, E2E_DLQ_OPERATOR, E2E_DLQ_VIEWER } from "./credentials";
import { signIn } from "./helpers";
import { e2eStack } from "./stack";

const WALL_VIEWPORT = { width: 1920, height: 1080 };
// No other spec touches marketplace: the wall spec moves it between legacy and shadow.
const DOMAIN = "marketplace";

/** A tRPC query over HTTP with the page's session, as the console's client sends it. */
async function trpcQuery<T>(request: APIRequestContext, path: string, input?: unknown): Promise<T> {
  const query =
    input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  const response = await request.get(`/api/trpc/${path}${query}`);
  expect(response.status(), `${path}: ${await response.text()}`).toBe(200);
  return (await response.json()).result.data.json as T;
}

async function trpcMutation(request: APIRequestContext, path: string, input: unknown) {
  const response = await request.post(`/api/trpc/${path}`, { data: { json: input } });
  expect(response.status(), `${path}: ${await response.text()}`).toBe(200);
}

/** Moves the domain one step (legacy → shadow, or back to legacy) and says where it went. */
async function toggleDomain(operator: Page): Promise<"shadow" | "legacy"> {
  const { domain } = await trpcQuery<{ domain: { state: string; version: number } }>(
    operator.request,
    "migration.get",
    { domain: DOMAIN },
  );
  if (domain.state === "legacy") {
    await trpcMutation(operator.request, "migration.transition", {
      domain: DOMAIN,
      to: "shadow",
      reason: "wall spec: mirror traffic",
      expectedVersion: domain.version,
    });
    return "shadow";
  }
  await trpcMutation(operator.request, "migration.rollback", {
    domain: DOMAIN,
    reason: "wall spec: back to legacy",
  });
  return "legacy";
}

/** A signed-in page at the wall's size, on /wall, once the stream is live. */
async function openWall(browser: Browser, username: string, password: string): Promise<Page> {
  const page = await signIn(browser, username, password);
  await page.setViewportSize(WALL_VIEWPORT);
  await page.goto("/wall");
  await expect(page.getByTestId("wall")).toHaveAttribute("data-connection", "live");
  await expect(page.getByTestId(`wall-row-${DOMAIN}`)).toBeVisible();
  return page;
}

async function producerListeners(admin: Page): Promise<number> {
  return (await trpcQuery<{ listeners: number }>(admin.request, "live.producer")).listeners;
}

test("the wall at 1920×1080 shows a change made in another session within 1 second, and fits the screen", async ({
  browser,
}) => {
  const wall = await openWall(browser, E2E_DLQ_VIEWER.username, E2E_DLQ_VIEWER.password);
  const operator = await signIn(browser, E2E_DLQ_OPERATOR.username, E2E_DLQ_OPERATOR.password);
  const state = wall.getByTestId(`wall-row-${DOMAIN}`).getByTestId("wall-state");

  const latencies: number[] = [];
  for (let round = 0; round < 3; round += 1) {
    const to = await toggleDomain(operator);
    const committed = Date.now();
    await expect(state).toHaveText(to, { timeout: 1_000 });
    latencies.push(Date.now() - committed);
  }
  console.log(`wall: mutation → DOM ${latencies.join(", ")} ms`);
  await expect(wall.getByTestId("wall-freshness")).toHaveText("live");

  // Read from across the room: nothing cut off, nothing to scroll.
  const fit = await wall.evaluate(() => {
    const root = document.documentElement;
    const boxes = [...document.querySelectorAll("[data-testid^='wall-']")].map((el) =>
      el.getBoundingClientRect(),
    );
    return {
      scrollHeight: root.scrollHeight,
      scrollWidth: root.scrollWidth,
      bottom: Math.max(...boxes.map((b) => b.bottom)),
      right: Math.max(...boxes.map((b) => b.right)),
    };
  });
  expect(fit.scrollHeight).toBeLessThanOrEqual(WALL_VIEWPORT.height);
  expect(fit.scrollWidth).toBeLessThanOrEqual(WALL_VIEWPORT.width);
  expect(fit.bottom).toBeLessThanOrEqual(WALL_VIEWPORT.height);
  expect(fit.right).toBeLessThanOrEqual(WALL_VIEWPORT.width);
  mkdirSync("reports/screenshots", { recursive: true });
  await wall.screenshot({ path: "reports/screenshots/wall.png" });

  await wall.context().close();
  await operator.context().close();
});

test("a wall token shows the wall and nothing else, and stops working once revoked", async ({
  browser,
}) => {
  const admin = await signIn(browser, E2E_ADMIN.username, E2E_ADMIN.password);
  await admin.goto("/operators");
  await admin.getByLabel("Screen name").fill("e2e lobby screen");
  await admin.getByRole("button", { name: "Create wall token" }).click();
  const secret = (await admin.getByTestId("wall-token-secret").textContent())?.trim() ?? "";
  expect(secret).toMatch(/^kw_/);

  const kiosk = await (await browser.newContext({ viewport: WALL_VIEWPORT })).newPage();
  await kiosk.goto(`/wall?token=${secret}`);
  await expect(kiosk).toHaveURL(/\/wall$/); // the secret left the address bar
  await expect(kiosk.getByTestId("wall")).toHaveAttribute("data-connection", "live");
  await expect(kiosk.getByTestId(`wall-row-${DOMAIN}`)).toBeVisible();
  const [cookie] = (await kiosk.context().cookies()).filter((c) => c.name === "keiko_wall");
  expect(cookie?.httpOnly).toBe(true);

  // The token reads the wall, nothing else.
  expect((await kiosk.request.get("/api/trpc/live.wallSnapshot")).status()).toBe(200);
  expect((await kiosk.request.get("/api/trpc/migration.board")).status()).toBe(401);
  expect((await kiosk.request.get("/api/trpc/wall.tokens")).status()).toBe(401);
  await kiosk.goto("/");
  await expect(kiosk).toHaveURL(/\/login/);
  await kiosk.goto("/wall");
  await expect(kiosk.getByTestId("wall")).toHaveAttribute("data-connection", "live");

  admin.once("dialog", (dialog) => dialog.accept());
  await admin
    .getByTestId("wall-token-e2e lobby screen")
    .getByRole("button", { name: "Revoke" })
    .click();
  await expect(admin.getByTestId("wall-token-e2e lobby screen")).toContainText("revoked");

  // The open wall is told at once; a reload, or the secret again, is refused.
  await expect(kiosk.getByTestId("wall-refused")).toBeVisible({ timeout: 5_000 });
  await expect(kiosk.getByTestId("wall-freshness")).toHaveText("no access");
  expect((await kiosk.request.get("/api/trpc/live.wallSnapshot")).status()).toBe(401);
  await kiosk.reload();
  await expect(kiosk.getByTestId("wall-denied")).toBeVisible();
  await kiosk.goto(`/wall?token=${secret}`);
  await expect(kiosk.getByTestId("wall-denied")).toContainText("revoked");

  await kiosk.context().close();
  await admin.context().close();
});

test("the wall's JS heap does not grow over a long stream of updates, and closed walls leave no listener", async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const admin = await signIn(browser, E2E_ADMIN.username, E2E_ADMIN.password);
  await admin.goto("/operators"); // a page without a live stream of its own
  await admin.waitForTimeout(1_000);
  const baseline = await producerListeners(admin);
  const wall = await openWall(browser, E2E_DLQ_VIEWER.username, E2E_DLQ_VIEWER.password);
  const cdp = await wall.context().newCDPSession(wall);
  await cdp.send("Performance.enable");
  const heapAfterGc = async () => {
    await cdp.send("HeapProfiler.collectGarbage");
    await cdp.send("HeapProfiler.collectGarbage");
    const { metrics } = await cdp.send("Performance.getMetrics");
    return metrics.find((m) => m.name === "JSHeapUsedSize")?.value ?? Number.NaN;
  };
  const updates = async () => Number(await wall.getByTestId("wall").getAttribute("data-updates"));

  // Parity counts the gateway would write: each write is a new snapshot for the wall.
  const stack = e2eStack();
  const redis = new Redis(stack.redisUrl);
  let matched = 1_000;
  let writing = true;
  const writer = (async () => {
    while (writing) {
      matched += 1;
      await writeParityCounts(redis, stack.keyPrefix, DOMAIN, { matched, mismatched: 1 });
      await new Promise((resolve) => setTimeout(resolve, 120));
    }
  })();
  try {
    const waitFor = async (count: number) =>
      expect.poll(updates, { timeout: 150_000, intervals: [500] }).toBeGreaterThanOrEqual(count);
    await waitFor(30); // warm-up: code paths compiled, caches filled
    const start = await updates();
    const before = await heapAfterGc();
    await waitFor(start + 200);
    const after = await heapAfterGc();
    const received = (await updates()) - start;
    console.log(
      `wall heap after GC: ${(before / 1e6).toFixed(2)} MB → ${(after / 1e6).toFixed(2)} MB over ${received} updates`,
    );
    expect(after - before).toBeLessThan(1_000_000);
    await expect(wall.getByTestId(`wall-row-${DOMAIN}`).getByTestId("wall-parity")).toContainText(
      "%",
    );
  } finally {
    writing = false;
    await writer;
    redis.disconnect();
  }

  // Many walls open and close: the server's producer goes back to its listeners before. Three
  // contexts of three tabs: a browser keeps at most 6 HTTP/1.1 connections per host and profile.
  const state = await wall.context().storageState();
  const contexts = await Promise.all(
    [1, 2, 3].map(() => browser.newContext({ storageState: state })),
  );
  const tabs = (
    await Promise.all(
      contexts.map((context) => Promise.all([1, 2, 3].map(() => context.newPage()))),
    )
  ).flat();
  await Promise.all(tabs.map((tab) => tab.goto("/wall")));
  for (const tab of tabs) {
    await expect(tab.getByTestId("wall")).toHaveAttribute("data-connection", "live");
  }
  expect(await producerListeners(admin)).toBe(baseline + 1 + tabs.length);
  await wall.context().close();
  for (const context of contexts) await context.close();
  await expect.poll(() => producerListeners(admin), { timeout: 10_000 }).toBe(baseline);
  await admin.context().close();
});
