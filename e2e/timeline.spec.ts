import { mkdirSync } from "node:fs";
import { type Browser, expect, type Locator, type Page, test } from "@playwright/test";
import { Redis } from "ioredis";
import { recordParity } from "@/lib/parity/parity-store";
import { E2E_ADMIN } from "./credentials";
import { e2eStack } from "./stack";

const TRACE_ID = "5b8efff798038103d269b633813fc60c";
const REASON_PREFIX = "timeline e2e";
const REASON = `${REASON_PREFIX} ${Date.now()}`;

/** A tRPC mutation sent the way a traced client would: with a W3C traceparent header. */
async function forceBreaker(
  page: Page,
  mode: "open" | "closed" | null,
  traceId: string,
  reason = REASON,
) {
  const base = new URL(page.url()).origin;
  const response = await page.request.post(`${base}/api/trpc/gateway.forceBreaker`, {
    headers: { origin: base, traceparent: `00-${traceId}-b7ad6b7169203331-01` },
    data: { json: { domain: "learning", side: "service", mode, reason } },
  });
  expect(response.status(), await response.text()).toBe(200);
}

/** The learning service breaker as the gateway last published it. */
async function learningBreaker(page: Page): Promise<{ state: string } | undefined> {
  const base = new URL(page.url()).origin;
  const response = await page.request.get(`${base}/api/trpc/gateway.stats`);
  const body = (await response.json()) as {
    result: {
      data: { json: { upstreams: { domain: string; side: string; breaker: { state: string } }[] } };
    };
  };
  return body.result.data.json.upstreams.find(
    (u) => u.domain === "learning" && u.side === "service",
  )?.breaker;
}

/** As e2e/helpers.ts signs in, with room for a first sign-in on a busy machine. */
async function signIn(browser: Browser, username: string, password: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("signed-in-as")).toContainText(username, { timeout: 30_000 });
  return page;
}

const jaeger = process.env.JAEGER_UI_URL?.replace(/\/+$/, "");

/** The trace id is a link to the trace UI when the console has one (JAEGER_UI_URL), plain text otherwise. */
async function expectTrace(scope: Locator, traceId: string, shown: string) {
  if (jaeger) {
    const link = scope.getByTestId("trace-link");
    await expect(link).toHaveAttribute("href", `${jaeger}/trace/${traceId}`);
    await expect(link).toHaveText(shown);
  } else {
    await expect(scope.getByTitle(traceId)).toHaveText(shown);
  }
}

const rows = (page: Page, scope = "timeline") =>
  page.getByTestId(scope).getByTestId("timeline-row");

test("the timeline merges an operator action and the breaker transition it caused, per platform and per domain", async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const page = await signIn(browser, E2E_ADMIN.username, E2E_ADMIN.password);
  await page.goto("/timeline");
  await expect(page.getByRole("heading", { name: "Timeline" })).toBeVisible();

  // Earlier specs may have left the breaker open (the rollout spec breaks learning on purpose):
  // close it first, so that forcing it open is a transition the gateway reports.
  await forceBreaker(page, "closed", "6c9f0000000000000000000000000000", `${REASON_PREFIX} reset`);
  await expect
    .poll(async () => (await learningBreaker(page))?.state ?? "closed", { timeout: 10_000 })
    .toBe("closed");
  await forceBreaker(page, "open", TRACE_ID);

  // The operator's action, with the trace id of its request…
  const action = rows(page).filter({
    hasText: `breaker.force-open breaker:learning:service: ${REASON}`,
  });
  await expect(action).toHaveCount(1, { timeout: 10_000 });
  await expect(action.getByTestId("kind-badge")).toHaveText("operator action");
  await expect(action).toContainText(E2E_ADMIN.username);
  await expectTrace(action, TRACE_ID, `${TRACE_ID.slice(0, 8)}…`);

  // …and the breaker transition the gateway made of it, seen by slo-guard: one row, not one per second.
  const transition = rows(page).filter({
    hasText: "breaker learning/service closed → open (forced open by an operator)",
  });
  await expect(transition).toHaveCount(1, { timeout: 20_000 });
  await expect(transition.getByTestId("kind-badge")).toHaveText("breaker");
  await expect(transition.getByTestId("kind-badge")).toHaveAttribute("data-severity", "critical");
  await expect(transition).toContainText("slo-guard");
  await page.waitForTimeout(3_000);
  await expect(transition).toHaveCount(1);

  // Filters: the breaker chip keeps only breaker rows; critical keeps the transition only.
  await page.getByRole("button", { name: "breaker", exact: true }).click();
  await expect(action).toHaveCount(0);
  await expect(transition).toHaveCount(1);
  await expect(rows(page).getByTestId("kind-badge").filter({ hasNotText: "breaker" })).toHaveCount(
    0,
  );
  await page.getByRole("button", { name: "breaker", exact: true }).click();
  await page.getByRole("button", { name: "critical", exact: true }).click();
  await expect(action).toHaveCount(0);
  await expect(transition).toHaveCount(1);
  await page.getByRole("button", { name: "Clear" }).click();
  await expect(action).toHaveCount(1);
  // Another domain's timeline has neither.
  await page.getByLabel("Domain").selectOption("passport");
  await expect(action).toHaveCount(0);
  await expect(transition).toHaveCount(0);
  await page.getByLabel("Domain").selectOption("");
  await expect(transition).toHaveCount(1);

  mkdirSync("reports/screenshots", { recursive: true });
  await page.screenshot({ path: "reports/screenshots/timeline.png", fullPage: true });

  // The domain's page embeds the domain's timeline, with both.
  await page.goto("/domains/learning");
  const domainRows = rows(page, "timeline-learning");
  await expect(domainRows.filter({ hasText: REASON })).toHaveCount(1, { timeout: 10_000 });
  await expect(
    domainRows.filter({
      hasText: "breaker learning/service closed → open (forced open by an operator)",
    }),
  ).toHaveCount(1);
  await expect(page.getByTestId("timeline-passport")).toHaveCount(0);
  await page
    .getByRole("region", { name: "timeline" })
    .screenshot({ path: "reports/screenshots/timeline-domain.png" });

  // Back to automatic, so later specs find the breaker as they expect; that too is on the timeline.
  await forceBreaker(page, null, "6c9f0000000000000000000000000001");
  await expect(domainRows.filter({ hasText: "breaker.release" })).toHaveCount(1, {
    timeout: 10_000,
  });
  await page.context().close();
});

test("dead letters, parity mismatches and audit rows link their trace ids", async ({ browser }) => {
  const stack = e2eStack();
  const redis = new Redis(stack.redisUrl);
  const dlqTrace = "7c1b0ad1e0f34c7f9d4d1b2a3c4e5f60";
  const parityTrace = "8d2c1be2f1045d8a0e5e2c3b4d5f6071";
  try {
    const payload = {
      event_id: crypto.randomUUID(),
      event_type: "identity.UserRegistered",
      metadata: { traceparent: `00-${dlqTrace}-00f067aa0ba902b7-01`, producer: "identity" },
    };
    await redis.xadd(
      `${stack.keyPrefix}dlq:events:user`,
      "*",
      ...["event_id", payload.event_id, "event_type", "identity.UserRegistered"],
      ...[
        "payload",
        JSON.stringify(payload),
        "dlq_error",
        "timeline e2e",
        "dlq_reason",
        "handler_failed",
      ],
      ...["dlq_group", "passport", "dlq_consumer", "c1", "dlq_deliveries", "3"],
      ...["dlq_stream", `${stack.keyPrefix}events:user`, "dlq_id", "1-0"],
    );
    await recordParity(
      redis,
      stack.keyPrefix,
      "governance",
      {
        match: false,
        diffs: [{ path: "$.title", kind: "changed", legacy: "a", service: "b" }],
        truncated: false,
      },
      {
        method: "GET",
        path: "/api/governance/v1/proposals/timeline-e2e",
        legacyStatus: 200,
        serviceStatus: 200,
        traceId: parityTrace,
      },
    );
  } finally {
    redis.disconnect();
  }
  const page = await signIn(browser, E2E_ADMIN.username, E2E_ADMIN.password);
  await page.goto("/dlq?aggregate=user");
  const row = page.getByTestId("dlq-rows").locator("tr", { hasText: "timeline e2e" });
  await row.getByRole("button", { name: "identity.UserRegistered" }).click();
  await expectTrace(page.getByTestId("dlq-entry"), dlqTrace, dlqTrace);

  await page.goto("/parity?domain=governance");
  const sample = page
    .getByTestId("parity-sample")
    .filter({ hasText: "/api/governance/v1/proposals/timeline-e2e" });
  await expectTrace(sample, parityTrace, `${parityTrace.slice(0, 8)}…`);

  await page.goto("/audit");
  const audit = page
    .getByTestId("audit-rows")
    .locator("tr", { hasText: "breaker.force-open" })
    .filter({ hasText: REASON_PREFIX });
  await expectTrace(audit.first(), TRACE_ID, `${TRACE_ID.slice(0, 8)}…`);
  await page.context().close();
});

test("the timeline needs a signed-in person", async ({ page }) => {
  await page.goto("/timeline");
  await expect(page).toHaveURL(/\/login/);
  const response = await page.request.get(
    "/api/trpc/timeline.list?input=%7B%22json%22%3A%7B%7D%7D",
  );
  expect(response.status()).toBe(401);
});
