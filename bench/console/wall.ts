/**
 * The wall and the board, pushed over SSE against the same pages polling once a second
 * (`?poll=1`), on the console's production build in headless Chromium:
 *  - time to interactive: navigation start → DOM interactive, and → the first data on screen;
 *  - mutation → wall DOM: an operator's transition (tRPC over HTTP) until the wall shows it.
 * Medians of several runs, both modes in the same run, ratios printed.
 *
 *   KEIKO_NEXT_DIST_DIR=.next-wall npm run build
 *   KEIKO_NEXT_DIST_DIR=.next-wall npx tsx bench/console/wall.ts [--runs 7] [--port 6190]
 */
import { type Browser, type BrowserContext, chromium, type Page } from "playwright";
import { startWallBenchStack, type WallBenchStack } from "./wall-stack";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) {
  args.set(process.argv[i]?.replace(/^--/, "") ?? "", process.argv[i + 1] ?? "");
}
const RUNS = Number(args.get("runs") ?? 7);
const PORT = Number(args.get("port") ?? 6190);
const DOMAIN = "marketplace";
const VIEWPORT = { width: 1920, height: 1080 };

type Mode = "push" | "poll";
const suffix = (mode: Mode) => (mode === "poll" ? "?poll=1" : "");

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** A context with the admin's session cookie (signed in once through the form). */
async function signedInState(browser: Browser, stack: WallBenchStack) {
  const context = await browser.newContext({ baseURL: stack.url });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Username").fill(stack.admin.username);
  await page.getByLabel("Password").fill(stack.admin.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByTestId("signed-in-as").waitFor();
  const state = await context.storageState();
  await context.close();
  return state;
}

/** One cold load: a new context, so nothing is cached between runs but the server's warmth. */
async function loadOnce(
  browser: Browser,
  stack: WallBenchStack,
  state: Awaited<ReturnType<typeof signedInState>>,
  path: string,
  dataSelector: string,
): Promise<{ interactiveMs: number; dataMs: number }> {
  const context = await browser.newContext({
    baseURL: stack.url,
    viewport: VIEWPORT,
    storageState: state,
  });
  const page = await context.newPage();
  const started = Date.now();
  await page.goto(path, { waitUntil: "commit" });
  await page.locator(dataSelector).first().waitFor();
  const dataAt = Date.now();
  const interactiveMs = await page.evaluate(() => {
    const [nav] = performance.getEntriesByType("navigation") as PerformanceNavigationTiming[];
    return nav ? nav.domInteractive - nav.startTime : Number.NaN;
  });
  await context.close();
  return { interactiveMs, dataMs: dataAt - started };
}

async function trpc(context: BrowserContext, kind: "get" | "post", path: string, input: unknown) {
  const response =
    kind === "get"
      ? await context.request.get(
          `/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`,
        )
      : await context.request.post(`/api/trpc/${path}`, { data: { json: input } });
  if (!response.ok()) throw new Error(`${path}: ${response.status()} ${await response.text()}`);
  return (await response.json()).result.data.json;
}

/** legacy ↔ shadow; returns the state the wall must show next. */
async function toggle(operator: BrowserContext): Promise<string> {
  const { domain } = await trpc(operator, "get", "migration.get", { domain: DOMAIN });
  if (domain.state === "legacy") {
    await trpc(operator, "post", "migration.transition", {
      domain: DOMAIN,
      to: "shadow",
      reason: "bench: mirror",
      expectedVersion: domain.version,
    });
    return "shadow";
  }
  await trpc(operator, "post", "migration.rollback", { domain: DOMAIN, reason: "bench: back" });
  return "legacy";
}

/** Mutation sent → the wall's row shows it (a MutationObserver stamps the moment in the page). */
async function mutationToDom(wall: Page, operator: BrowserContext): Promise<number> {
  const { domain } = await trpc(operator, "get", "migration.get", { domain: DOMAIN });
  const expected = domain.state === "legacy" ? "shadow" : "legacy";
  // A string, not a function: tsx's name helpers do not exist in the page.
  const selector = `[data-testid="wall-row-${DOMAIN}"] [data-testid="wall-state"]`;
  const seen = wall.evaluate(`new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (document.querySelector(${JSON.stringify(selector)})?.textContent?.trim() === ${JSON.stringify(expected)}) {
        observer.disconnect();
        resolve(Date.now());
      }
    });
    observer.observe(document.body, { subtree: true, childList: true, characterData: true });
  })`) as Promise<number>;
  await wall.waitForTimeout(50); // the observer is installed before the change is made
  const sent = Date.now();
  const to = await toggle(operator);
  if (to !== expected) throw new Error(`expected ${expected}, moved to ${to}`);
  return (await seen) - sent;
}

async function main() {
  console.log(`bench/console/wall: ${RUNS} runs per figure, port ${PORT}`);
  const stack = await startWallBenchStack(PORT);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
  try {
    const state = await signedInState(browser, stack);
    const figures: Record<string, number> = {};
    const pages = [
      { name: "wall", path: "/wall", selector: `[data-testid="wall-row-${DOMAIN}"]` },
      { name: "board", path: "/", selector: `[data-testid="domain-row-${DOMAIN}"]` },
    ];
    // one unmeasured load each: the server compiles nothing, but its pools and caches fill
    for (const p of pages)
      for (const mode of ["push", "poll"] as Mode[])
        await loadOnce(browser, stack, state, `${p.path}${suffix(mode)}`, p.selector);
    for (const p of pages) {
      for (const mode of ["push", "poll"] as Mode[]) {
        const samples: Array<{ interactiveMs: number; dataMs: number }> = [];
        for (let run = 0; run < RUNS; run += 1) {
          samples.push(
            await loadOnce(browser, stack, state, `${p.path}${suffix(mode)}`, p.selector),
          );
        }
        figures[`${p.name}.${mode}.interactive`] = median(samples.map((s) => s.interactiveMs));
        figures[`${p.name}.${mode}.data`] = median(samples.map((s) => s.dataMs));
        console.log(
          `  ${p.name} ${mode}: interactive ${samples.map((s) => Math.round(s.interactiveMs)).join(", ")} ms; data on screen ${samples.map((s) => s.dataMs).join(", ")} ms`,
        );
      }
    }

    const operator = await browser.newContext({ baseURL: stack.url, storageState: state });
    for (const mode of ["push", "poll"] as Mode[]) {
      const context = await browser.newContext({
        baseURL: stack.url,
        viewport: VIEWPORT,
        storageState: state,
      });
      const wall = await context.newPage();
      await wall.goto(`/wall${suffix(mode)}`);
      await wall.locator(`[data-testid="wall-row-${DOMAIN}"]`).waitFor();
      await wall.waitForTimeout(1_500);
      const samples: number[] = [];
      for (let run = 0; run < RUNS; run += 1) {
        samples.push(await mutationToDom(wall, operator));
        await wall.waitForTimeout(300 + Math.random() * 700); // not in step with the poll
      }
      figures[`wall.${mode}.mutationToDom`] = median(samples);
      console.log(
        `  mutation → wall DOM (${mode}): ${samples.map((s) => Math.round(s)).join(", ")} ms`,
      );
      await context.close();
    }
    await operator.close();

    const ms = (n: number | undefined) => `${Math.round(n ?? Number.NaN)} ms`;
    const ratio = (a: number | undefined, b: number | undefined) =>
      ((a ?? Number.NaN) / (b ?? Number.NaN)).toFixed(2);
    console.log("");
    console.log("figure (median)                     push        poll 1 s    push/poll");
    for (const name of [
      "wall.interactive",
      "wall.data",
      "board.interactive",
      "board.data",
      "wall.mutationToDom",
    ]) {
      const [page, what] = name.split(".");
      const push = figures[`${page}.push.${what}`];
      const poll = figures[`${page}.poll.${what}`];
      console.log(
        `${name.padEnd(34)}  ${ms(push).padEnd(10)}  ${ms(poll).padEnd(10)}  ${ratio(push, poll)}`,
      );
    }
    console.log(
      `\nmutation → wall DOM: push is ${ratio(figures["wall.poll.mutationToDom"], figures["wall.push.mutationToDom"])}× faster than polling once a second`,
    );
  } finally {
    await browser.close();
    await stack.stop();
  }
}

await main();
