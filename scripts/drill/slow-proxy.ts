import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * A TCP proxy on a free loopback port in front of `targetPort` that can hold back every chunk
 * the upstream answers with: the drill's "slow upstream" without touching the upstream's code.
 * Written by hand: a dozen lines of `net`, where a proxy library would bring HTTP semantics the
 * fault must not have.
 */
export async function startSlowProxy(targetPort: number) {
  let delayMs = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: "127.0.0.1", port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", end);
    upstream.on("error", end);
    client.on("close", end);
    upstream.on("close", end);
    client.pipe(upstream);
    // chunks stay in order: each waits for the delay in force when it arrived, in sequence
    let queue: Promise<unknown> = Promise.resolve();
    upstream.on("data", (chunk) => {
      const wait = delayMs;
      queue = queue.then(async () => {
        if (wait > 0) await sleep(wait);
        if (!client.destroyed) client.write(chunk);
      });
    });
    upstream.on("end", () => {
      queue = queue.then(() => client.end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    /** Every answer chunk from now on waits this long (0: none). */
    setDelay(ms: number) {
      delayMs = ms;
    },
    async close(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
