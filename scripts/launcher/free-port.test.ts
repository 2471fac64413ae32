import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { isPortFree, pickPort } from "./free-port";

const servers: net.Server[] = [];

function listen(port = 0): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    servers.push(server);
    server.listen({ port, host: "127.0.0.1" }, () =>
      resolve((server.address() as net.AddressInfo).port),
    );
  });
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe("free ports", () => {
  it("sees a port taken on 127.0.0.1 as not free", async () => {
    const port = await listen();
    expect(await isPortFree(port)).toBe(false);
  });

  it("keeps the preferred port when free, else picks another free one", async () => {
    const preferred = await pickPort(0);
    expect(await pickPort(preferred)).toBe(preferred);
    await listen(preferred);
    const other = await pickPort(preferred);
    expect(other).not.toBe(preferred);
    expect(await isPortFree(other)).toBe(true);
  });
});
