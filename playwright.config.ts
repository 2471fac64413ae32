import { defineConfig } from "@playwright/test";
import { newRunId } from "./e2e/stack";

const port = Number(process.env.E2E_PORT ?? 3100);
// One id for this run's databases and Redis prefix; the server script and the specs read it.
process.env.E2E_RUN_ID ??= newRunId();

/** e2e drives the production build in Debian's Chromium; Playwright never downloads a browser. */
export default defineConfig({
  testDir: "e2e",
  testMatch: "**/*.spec.ts",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 5_000 },
  reporter: [["list"], ["json", { outputFile: "reports/playwright.json" }]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
      ],
    },
  },
  webServer: {
    command: "npx tsx scripts/e2e-server.ts",
    url: `http://127.0.0.1:${port}/login`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
    env: { E2E_PORT: String(port), E2E_RUN_ID: process.env.E2E_RUN_ID },
    gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
  },
});
