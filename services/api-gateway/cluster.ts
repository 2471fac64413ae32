/**
 * GATEWAY_WORKERS=N: N gateway processes on one port with node:cluster (Node 20 has no
 * SO_REUSEPORT option): the primary accepts connections and hands them round-robin to the
 * workers, which serve every request of a connection themselves. Each worker is a whole
 * gateway: its own route watcher (its own LISTEN, so a route change reaches every worker at
 * once), breakers and override subscription, and statistics published under its own gateway id,
 * which every reader (slo-guard, the console) sums. ./main.ts calls it first: in the primary it
 * forks the workers, which run main.ts again and serve.
 */
import cluster, { type Worker } from "node:cluster";

/** A worker that dies is replaced after this long (a crash loop must not spin). */
const RESTART_AFTER_MS = 1_000;
/** Workers still running this long after SIGTERM are killed. */
const STOP_GRACE_MS = 12_000;

export type GatewayWorkersOptions = {
  /** The module the workers run (default: this process's entry, i.e. main.ts calling this). */
  exec?: string;
  log?: Pick<Console, "info" | "error">;
};

/**
 * In the primary with `workers` > 1: forks the workers, replaces any that dies, and stops them
 * all on SIGTERM/SIGINT; returns true (the caller must not serve). Returns false where the
 * caller should serve itself: in a worker, or with one worker.
 */
export function startGatewayWorkers(workers: number, options: GatewayWorkersOptions = {}): boolean {
  if (workers <= 1 || !cluster.isPrimary) return false;
  const log = options.log ?? console;
  if (options.exec) cluster.setupPrimary({ exec: options.exec });
  let stopping = false;
  const fork = () => {
    const worker = cluster.fork();
    worker.once("exit", (code, signal) => {
      if (stopping) return;
      log.error(
        `api-gateway: worker ${worker.process.pid} exited (${signal ?? code}); a new one starts`,
      );
      setTimeout(fork, RESTART_AFTER_MS).unref();
    });
  };
  for (let i = 0; i < workers; i++) fork();
  log.info(`api-gateway: ${workers} workers on one port (primary ${process.pid})`);

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const running = Object.values(cluster.workers ?? {}).filter(
      (worker): worker is Worker => worker !== undefined && !worker.isDead(),
    );
    for (const worker of running) worker.process.kill(signal);
    setTimeout(() => {
      for (const worker of running) if (!worker.isDead()) worker.process.kill("SIGKILL");
      process.exit(1);
    }, STOP_GRACE_MS).unref();
    cluster.on("exit", () => {
      if (Object.values(cluster.workers ?? {}).every((w) => !w || w.isDead())) process.exit(0);
    });
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  return true;
}
