import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DomainName } from "@/lib/contracts/domains";
import { readParity } from "@/lib/parity/parity-store";
import {
  type GatewayUnderTest,
  setShadowPercentRow,
  startGatewayUnderTest,
} from "./testing/gateway-under-test";
import { startUpstreamStub, type UpstreamStub } from "./testing/upstream-stub";

/** Three shadowed domains of one gateway, each mirroring its own share of the requests. */
const PERCENTS = { identity: 0, learning: 25, reputation: 100 } as const;
type Shadowed = keyof typeof PERCENTS;
const DOMAINS = Object.keys(PERCENTS) as Shadowed[];
const BODY = { id: "u-1", displayName: "Ada" };

let legacy: UpstreamStub;
const services = new Map<DomainName, UpstreamStub>();
let gateway: GatewayUnderTest;

beforeAll(async () => {
  legacy = await startUpstreamStub({ audience: "legacy-runtime" });
  legacy.behave({ body: () => BODY });
  for (const name of DOMAINS) {
    const service = await startUpstreamStub({ audience: name });
    service.behave({ body: () => BODY });
    services.set(name, service);
  }
  gateway = await startGatewayUnderTest(
    DOMAINS.map((name) => ({
      name,
      state: "shadow" as const,
      shadowPercent: PERCENTS[name],
      legacyUrl: legacy.url,
      serviceUrl: services.get(name)?.url ?? "",
    })),
    // enough slots that no copy is dropped: only the sample decides
    { GATEWAY_SHADOW_CONCURRENCY: "1000" },
  );
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([legacy, ...services.values()].map((stub) => stub?.close()));
});

async function compared(domain: Shadowed): Promise<number> {
  return (await readParity(gateway.redis, gateway.prefix, domain)).compared;
}

/** Sends `count` client requests of `domain` through the gateway, 20 at a time. */
async function send(domain: Shadowed, count: number): Promise<void> {
  for (let sent = 0; sent < count; sent += 20) {
    const answers = await Promise.all(
      Array.from({ length: Math.min(20, count - sent) }, () =>
        fetch(`${gateway.baseUrl}/api/${domain}/v1/anything`).then((response) => response.status),
      ),
    );
    expect(answers.every((status) => status === 200)).toBe(true);
  }
  await gateway.app.gateway.shadow.drain();
}

async function mirrors(domain: Shadowed, result: string): Promise<number> {
  const text = await (await fetch(`${gateway.baseUrl}/metrics`)).text();
  const pattern = new RegExp(
    `gateway_shadow_mirrors_total\\{[^}]*domain="${domain}"[^}]*result="${result}"[^}]*\\} (\\d+)`,
  );
  return Number(pattern.exec(text)?.[1] ?? 0);
}

function copiesReceived(domain: Shadowed): number {
  return services.get(domain)?.received.length ?? 0;
}

describe("a shadowed domain's shadow percent", () => {
  it("at 0 sends no copy to the service, and counts every request as sampled out", async () => {
    await send("identity", 40);
    expect(copiesReceived("identity")).toBe(0);
    expect(await mirrors("identity", "sampled_out")).toBe(40);
    expect(await compared("identity")).toBe(0);
  });

  it("at 100 sends a copy of every request and compares each", async () => {
    await send("reputation", 40);
    expect(copiesReceived("reputation")).toBe(40);
    expect(await mirrors("reputation", "sampled_out")).toBe(0);
    expect(await compared("reputation")).toBe(40);
  });

  it("at 25 sends a copy of about a quarter of the requests", async () => {
    const requests = 400;
    await send("learning", requests);
    const copies = copiesReceived("learning");
    // binomial(400, 0.25): mean 100, standard deviation 8.7; ±40 is over 4.5 deviations
    expect(copies).toBeGreaterThanOrEqual(60);
    expect(copies).toBeLessThanOrEqual(140);
    expect(copies + (await mirrors("learning", "sampled_out"))).toBe(requests);
    expect(await compared("learning")).toBe(copies);
  });

  it("follows an operator's change at once, without a restart", async () => {
    await setShadowPercentRow(gateway.pool, "reputation", 0);
    await expect
      .poll(
        () =>
          gateway.app.gateway.routes.table.routes.find((r) => r.name === "reputation")
            ?.shadowPercent,
        { interval: 20, timeout: 2_000 },
      )
      .toBe(0);
    const before = copiesReceived("reputation");
    await send("reputation", 40);
    expect(copiesReceived("reputation")).toBe(before);
    expect(await mirrors("reputation", "sampled_out")).toBe(40);
  });
});
