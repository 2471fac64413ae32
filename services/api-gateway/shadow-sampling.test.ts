import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readParity } from "@/lib/parity/parity-store";
import { type GatewayUnderTest, startGatewayUnderTest } from "./testing/gateway-under-test";
import { startUpstreamStub, type UpstreamStub } from "./testing/upstream-stub";

const PERCENTS = [0, 25, 100] as const;
const USER = { id: "u-1", displayName: "Ada" };

let legacy: UpstreamStub;
const services = new Map<number, UpstreamStub>();
const gateways = new Map<number, GatewayUnderTest>();

beforeAll(async () => {
  legacy = await startUpstreamStub({ audience: "legacy-runtime" });
  legacy.behave({ body: () => USER });
  await Promise.all(
    PERCENTS.map(async (percent) => {
      const identity = await startUpstreamStub({ audience: "identity" });
      identity.behave({ body: () => USER });
      services.set(percent, identity);
      gateways.set(
        percent,
        await startGatewayUnderTest(
          [{ name: "identity", state: "shadow", legacyUrl: legacy.url, serviceUrl: identity.url }],
          // enough slots that no copy is dropped: only the sample decides
          { GATEWAY_SHADOW_SAMPLE_PERCENT: String(percent), GATEWAY_SHADOW_CONCURRENCY: "1000" },
        ),
      );
    }),
  );
});

afterAll(async () => {
  await Promise.all([...gateways.values()].map((gateway) => gateway.close()));
  await Promise.all([legacy, ...services.values()].map((stub) => stub?.close()));
});

function gatewayAt(percent: number): GatewayUnderTest {
  const gateway = gateways.get(percent);
  if (!gateway) throw new Error(`no gateway at ${percent} %`);
  return gateway;
}

async function compared(percent: number): Promise<number> {
  const gateway = gatewayAt(percent);
  return (await readParity(gateway.redis, gateway.prefix, "identity")).compared;
}

/** Sends `count` client requests through the gateway of `percent`, 20 at a time. */
async function send(percent: number, count: number): Promise<void> {
  const gateway = gatewayAt(percent);
  for (let sent = 0; sent < count; sent += 20) {
    const answers = await Promise.all(
      Array.from({ length: Math.min(20, count - sent) }, () =>
        fetch(`${gateway.baseUrl}/api/identity/v1/users/u-1`).then((response) => response.status),
      ),
    );
    expect(answers.every((status) => status === 200)).toBe(true);
  }
  await gateway.app.gateway.shadow.drain();
}

async function mirrors(percent: number, result: string): Promise<number> {
  const text = await (await fetch(`${gatewayAt(percent).baseUrl}/metrics`)).text();
  const pattern = new RegExp(
    `gateway_shadow_mirrors_total\\{[^}]*result="${result}"[^}]*\\} (\\d+)`,
  );
  return Number(pattern.exec(text)?.[1] ?? 0);
}

function copiesReceived(percent: number): number {
  return services.get(percent)?.received.length ?? 0;
}

describe("GATEWAY_SHADOW_SAMPLE_PERCENT", () => {
  it("at 0 sends no copy to the service, and counts every request as sampled out", async () => {
    await send(0, 40);
    expect(copiesReceived(0)).toBe(0);
    expect(await mirrors(0, "sampled_out")).toBe(40);
    expect(await compared(0)).toBe(0);
  });

  it("at 100 sends a copy of every request and compares each", async () => {
    await send(100, 40);
    expect(copiesReceived(100)).toBe(40);
    expect(await mirrors(100, "sampled_out")).toBe(0);
    expect(await compared(100)).toBe(40);
  });

  it("at 25 sends a copy of about a quarter of the requests", async () => {
    const requests = 400;
    await send(25, requests);
    const copies = copiesReceived(25);
    // binomial(400, 0.25): mean 100, standard deviation 8.7; ±40 is over 4.5 deviations
    expect(copies).toBeGreaterThanOrEqual(60);
    expect(copies).toBeLessThanOrEqual(140);
    expect(copies + (await mirrors(25, "sampled_out"))).toBe(requests);
    expect(await compared(25)).toBe(copies);
  });
});
