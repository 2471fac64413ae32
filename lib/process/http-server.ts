import type { Server } from "node:http";

/** Listens on host:port and resolves with the port bound (0 picks a free one). */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

/**
 * Stops accepting and lets requests in flight finish. Keep-alive connections are dropped as soon
 * as they are idle (a client would otherwise hold the server open), and what is still open after
 * `graceMs` (event streams never end by themselves) is cut. `close` is the server's own close,
 * or a framework's (Fastify's `app.close()`).
 */
export async function closeServer(
  server: Server,
  graceMs: number,
  close: () => Promise<void> = () =>
    new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
): Promise<void> {
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  const cut = setTimeout(() => server.closeAllConnections(), graceMs);
  try {
    await close();
  } finally {
    clearInterval(sweep);
    clearTimeout(cut);
  }
}
