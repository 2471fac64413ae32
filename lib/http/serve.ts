import type { FastifyInstance } from "fastify";

/**
 * Listens and closes gracefully on SIGTERM/SIGINT: stop accepting, finish requests in flight,
 * then run `onClose` (pools, Redis). A second signal, or 10 s, forces the exit.
 */
export async function serve(
  app: FastifyInstance,
  where: { host: string; port: number },
  onClose: () => Promise<void> = async () => {},
): Promise<void> {
  app.server.keepAliveTimeout = 65_000;
  app.server.headersTimeout = 66_000;
  app.server.requestTimeout = 30_000;
  await app.listen(where);
  let closing = false;
  const stop = async (signal: string) => {
    if (closing) process.exit(1);
    closing = true;
    app.log.info({ signal }, "closing");
    setTimeout(() => process.exit(1), 10_000).unref();
    await app.close();
    await onClose();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}
