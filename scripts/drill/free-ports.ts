import net from "node:net";

/**
 * `count` distinct free loopback ports. The launcher's pickPort(0) releases each port before the
 * next pick, and the system may hand the same one out twice (a service then answered on the
 * gateway's port); here every port stays held until all are picked.
 */
export async function pickDistinctPorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i += 1) {
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen({ port: 0, host: "127.0.0.1", exclusive: true }, () => resolve());
      });
      servers.push(server);
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}
