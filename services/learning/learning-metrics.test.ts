import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LEARNING_ROUTES } from "@/lib/contracts/learning";
import { callRoute } from "@/lib/http/call-route";
import { tokenFor } from "@/lib/testing/contract-target";
import { startServiceUnderTest } from "@/lib/testing/service-under-test";
import { buildLearningApp } from "./app";

let service: Awaited<ReturnType<typeof startServiceUnderTest>>;

beforeAll(async () => {
  service = await startServiceUnderTest("learning", buildLearningApp);
});
afterAll(async () => {
  await service?.close();
});

/** The exposition line `name{labels} value`, as Prometheus would scrape it. */
async function scraped(name: string, labels: string): Promise<number | undefined> {
  const text = await (await fetch(`${service.baseUrl}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
}

describe("learning metrics", () => {
  it("counts created interactions by type and times every create, by outcome", async () => {
    const [tutorId, studentId] = [crypto.randomUUID(), crypto.randomUUID()];
    await service.db.execute(
      sql`insert into known_users (user_id, roles, registered_at) values
        (${tutorId}, '{tutor}', now()), (${studentId}, '{student}', now())`,
    );
    const token = await tokenFor({ service: "learning", baseUrl: service.baseUrl }, [
      "learning:write",
    ]);
    const body = {
      type: "exercise" as const,
      content: "Loops",
      durationSeconds: 60,
      tutorId,
      studentId,
    };
    const create = (b: typeof body) =>
      callRoute(service.baseUrl, LEARNING_ROUTES.createInteraction, { body: b }, { token });
    expect((await create(body)).kind).toBe("success");
    expect((await create(body)).kind).toBe("success");
    expect((await create({ ...body, studentId: crypto.randomUUID() })).kind).not.toBe("success");

    expect(await scraped("interactions_created_total", 'type="exercise"')).toBe(2);
    expect(
      await scraped("interaction_processing_duration_seconds_count", 'outcome="created"'),
    ).toBe(2);
    expect(
      await scraped("interaction_processing_duration_seconds_count", 'outcome="rejected"'),
    ).toBe(1);
  });
});
