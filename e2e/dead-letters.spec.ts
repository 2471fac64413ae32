import { expect, test } from "@playwright/test";
import { Redis } from "ioredis";
import pg from "pg";
import { databaseUrlFor } from "@/lib/config/parse-env";
import { userRegisteredEvent } from "@/lib/testing/domain-events";
import { appendToStreams } from "@/lib/testing/event-delivery";
import { E2E_DLQ_OPERATOR, E2E_DLQ_VIEWER } from "./credentials";
import { signIn } from "./helpers";
import { e2eStack } from "./stack";

const stack = e2eStack();
const passportDb = new pg.Pool({
  connectionString: databaseUrlFor(stack.serverUrl, stack.passportDatabase),
  max: 1,
});
const redis = new Redis(stack.redisUrl);

test.afterAll(async () => {
  await passportDb.end();
  redis.disconnect();
});

test.describe.configure({ mode: "serial" });

const userId = crypto.randomUUID();

test("a poison event reaches the DLQ page; after the fault is fixed the operator replays it and it is processed", async ({
  browser,
}) => {
  // The fault: passport's table is gone, so its consumer fails every delivery of the event.
  await passportDb.query("alter table passports rename to passports_broken");
  const event = userRegisteredEvent(userId, {
    displayName: "Poison Pill",
    metadata: {
      correlation_id: "e2e-dlq",
      producer: "identity",
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    },
  });
  await appendToStreams(redis, stack.keyPrefix, [event]);

  const viewer = await signIn(browser, E2E_DLQ_VIEWER.username, E2E_DLQ_VIEWER.password);
  await viewer.getByRole("link", { name: "Dead letters" }).click();
  const viewerRow = viewer
    .getByTestId("dlq-rows")
    .locator("tr", { hasText: "identity.UserRegistered" });
  await expect(viewerRow).toHaveCount(1, { timeout: 30_000 });
  await expect(viewerRow).toContainText("passport");
  await expect(viewerRow).toContainText(`relation "passports" does not exist`);
  await viewerRow.getByRole("checkbox").check();
  await expect(viewer.getByRole("button", { name: /Replay selected/ })).toBeDisabled();
  await expect(viewer.getByRole("button", { name: "Replay all matching" })).toBeDisabled();
  const { entries } = (
    await (
      await viewer.request.get(
        `/api/trpc/dlq.list?input=${encodeURIComponent(JSON.stringify({ json: { aggregateType: "user" } }))}`,
      )
    ).json()
  ).result.data.json as { entries: Array<{ id: string }> };
  const forged = await viewer.request.post("/api/trpc/dlq.replay", {
    data: { json: { aggregateType: "user", ids: [entries[0]?.id] } },
  });
  expect(forged.status()).toBe(403);

  const operator = await signIn(browser, E2E_DLQ_OPERATOR.username, E2E_DLQ_OPERATOR.password);
  await operator.goto("/dlq?aggregate=user");
  const row = operator
    .getByTestId("dlq-rows")
    .locator("tr", { hasText: "identity.UserRegistered" });
  await expect(row).toHaveCount(1);
  await row.getByRole("button", { name: "identity.UserRegistered" }).click();
  const panel = operator.getByTestId("dlq-entry");
  await expect(panel).toContainText("4bf92f3577b34da6a3ce929d0e0e4736");
  await expect(panel).toContainText("Poison Pill");
  await expect(panel.getByTestId("dlq-error")).toContainText("passports");
  await operator.screenshot({ path: "reports/dlq.png", fullPage: true });

  // The fix, then the replay from the console.
  await passportDb.query("alter table passports_broken rename to passports");
  await panel.getByRole("button", { name: "Replay this entry" }).click();
  await expect(
    operator.getByTestId("dlq-rows").locator("tr", { hasText: "identity.UserRegistered" }),
  ).toHaveCount(0);
  await expect
    .poll(
      async () =>
        (await passportDb.query("select 1 from passports where user_id = $1", [userId])).rowCount,
      {
        timeout: 15_000,
      },
    )
    .toBe(1);

  await operator.goto("/audit");
  await expect(operator.getByTestId("audit-rows").locator("tr").first()).toContainText(
    "dlq.replay",
  );
  await expect(operator.getByTestId("audit-rows").locator("tr").first()).toContainText('"count":1');
  await operator.goto("/events");
  await expect(operator.getByTestId("group-user-passport")).toBeVisible();
  await operator.screenshot({ path: "reports/events.png", fullPage: true });
  await viewer.context().close();
  await operator.context().close();
});
