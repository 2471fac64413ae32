import { mkdir } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { localPrometheusUrl } from "@/scripts/launcher/prometheus";
import { e2ePrometheusPort } from "@/scripts/launcher/prometheus-e2e";
import { E2E_ADMIN } from "./credentials";
import { boardRow, signIn } from "./helpers";
import { e2eStack } from "./stack";

const stack = e2eStack();
const gateway = `http://127.0.0.1:${stack.ports.gateway}`;
const prometheusUrl = localPrometheusUrl(e2ePrometheusPort());

/** ~20 requests a second through the gateway to learning, until stopped. */
function startTraffic() {
  let running = true;
  let sent = 0;
  const loop = async () => {
    while (running) {
      await Promise.all([
        ...Array.from({ length: 2 }, async () => {
          const response = await fetch(`${gateway}/api/learning/v1/interactions?limit=1`, {
            headers: { "x-keiko-user": crypto.randomUUID() },
            signal: AbortSignal.timeout(3_000),
          }).catch(() => undefined);
          await response?.arrayBuffer();
          sent += 1;
        }),
        new Promise((resolve) => setTimeout(resolve, 100)),
      ]);
    }
  };
  const done = loop();
  return {
    sent: () => sent,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

/** Jobs whose last scrape succeeded, from Prometheus's own API. */
async function upJobs(): Promise<string[]> {
  const response = await fetch(
    `${prometheusUrl}/api/v1/query?query=${encodeURIComponent("up == 1")}`,
  );
  const body = (await response.json()) as { data: { result: Array<{ metric: { job: string } }> } };
  return body.data.result.map((item) => item.metric.job);
}

// The second test stops this run's Prometheus: the two run in this order.
test.describe.configure({ mode: "serial" });

test("the observability page charts the traffic this test sent through the gateway", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const traffic = startTraffic();
  try {
    // Prometheus scrapes every process of this stack, the console's /metrics included
    await expect
      .poll(async () => (await upJobs()).sort(), { timeout: 30_000 })
      .toEqual(["api-gateway", "console", "learning", "legacy-runtime"]);
    const page = await signIn(browser, E2E_ADMIN.username, E2E_ADMIN.password);
    await page.setViewportSize({ width: 1600, height: 1000 });
    await page.goto("/observability");
    await expect(page.getByRole("heading", { name: "Observability" })).toBeVisible();
    await expect(page.getByText(prometheusUrl).first()).toBeVisible();
    // first scrape, two samples for rate(), a rule evaluation and a page refresh: ~15 s
    const requests = page.getByTestId("chart-learning-requests");
    await expect(requests).toHaveAttribute("data-points", /^[1-9]\d*$/, { timeout: 90_000 });
    await expect(requests.getByRole("img", { name: "Requests per second" })).toBeVisible();
    // a line with a segment: recharts draws none through a single point, so wait for a second sample
    await expect(requests.locator("path.recharts-line-curve").first()).toHaveAttribute(
      "d",
      /^M.*[LC]/,
      { timeout: 60_000 },
    );
    await expect(requests.getByTestId("latest")).toContainText(/legacy runtime \d+\.\d+\/s/);
    await expect(page.getByTestId("chart-learning-latency-legacy")).toHaveAttribute(
      "data-points",
      /^[1-9]\d*$/,
      { timeout: 30_000 },
    );
    // no traffic was sent to identity: its chart stays empty, so the chart shows our traffic only
    await expect(page.getByTestId("chart-identity-requests")).toHaveAttribute("data-points", "0");
    expect(traffic.sent()).toBeGreaterThan(0);

    await page.getByRole("button", { name: "1h" }).click();
    await expect(page.getByRole("button", { name: "1h" })).toHaveAttribute("aria-pressed", "true");
    await expect(requests).toHaveAttribute("data-points", /^[1-9]\d*$/, { timeout: 30_000 });
    await page.getByRole("button", { name: "15m" }).click();
    await expect(requests).toHaveAttribute("data-points", /^[1-9]\d*$/);

    await mkdir("reports/screenshots", { recursive: true });
    await page.screenshot({ path: "reports/screenshots/observability.png", fullPage: true });
  } finally {
    await traffic.stop();
  }
});

test("with Prometheus stopped the page says so, with the URL it tried, and the rest works", async ({
  browser,
}) => {
  // Prometheus's own lifecycle API: a real stop, not a pretend one.
  const quit = await fetch(`${prometheusUrl}/-/quit`, { method: "POST" });
  expect(quit.status).toBe(200);
  await expect
    .poll(
      async () =>
        fetch(`${prometheusUrl}/-/ready`)
          .then(() => "up")
          .catch(() => "down"),
      { timeout: 15_000 },
    )
    .toBe("down");

  const page = await signIn(browser, E2E_ADMIN.username, E2E_ADMIN.password);
  await page.goto("/observability");
  const panel = page.getByTestId("prometheus-unreachable");
  await expect(panel).toBeVisible({ timeout: 15_000 });
  await expect(panel).toContainText("Prometheus is unreachable");
  await expect(panel).toContainText(prometheusUrl);
  await expect(page.getByTestId("observability-charts")).toHaveCount(0);
  await mkdir("reports/screenshots", { recursive: true });
  await page.screenshot({ path: "reports/screenshots/observability-unreachable.png" });

  await page.goto("/");
  await expect(boardRow(page, "learning")).toBeVisible();
});
