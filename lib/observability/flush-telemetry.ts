/** Where the preload leaves its SDK's shutdown: a global, since the preload is not imported. */
export const TELEMETRY_SHUTDOWN = Symbol.for("keiko.telemetry.shutdown");

type WithShutdown = { [TELEMETRY_SHUTDOWN]?: () => Promise<void> };

/**
 * Exports the spans still batched and stops the SDK, within `timeoutMs`; resolves at once when
 * tracing is off. A process that ends with process.exit calls it first, or loses the last second.
 */
export async function flushTelemetry(timeoutMs = 2_000): Promise<void> {
  const shutdown = (globalThis as WithShutdown)[TELEMETRY_SHUTDOWN];
  if (!shutdown) return;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
    timer.unref();
  });
  await Promise.race([shutdown().catch(() => undefined), late]);
  clearTimeout(timer);
}
