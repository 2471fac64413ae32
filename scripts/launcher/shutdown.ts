import type { Supervisor } from "./supervisor";

export type ShutdownOptions = {
  log: (line: string) => void;
  fail: (line: string) => void;
  /** Runs once a shutdown begins, before the processes are stopped. */
  onStopping?: () => void;
  exit?: (code: number) => void;
};

export type Shutdown = {
  /** Stops everything the supervisor started, then exits with `exitCode`; runs once. */
  (reason: string, exitCode: number): Promise<void>;
  readonly begun: boolean;
};

/**
 * Wires the launcher's way out: Ctrl-C, SIGTERM and SIGHUP stop everything the supervisor
 * started, and so does a process the supervisor gave up restarting (exit code 1).
 */
export function installShutdown(supervisor: Supervisor, options: ShutdownOptions): Shutdown {
  let begun = false;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const shutdown = async (reason: string, exitCode: number) => {
    if (begun) return;
    begun = true;
    options.log(`${reason}; stopping`);
    options.onStopping?.();
    await supervisor.stopAll();
    options.log("stopped");
    exit(exitCode);
  };
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const) {
    process.on(signal, () => void shutdown(`${signal} received`, code));
  }
  supervisor.onGiveUp((name, reason) => {
    options.fail(reason);
    void shutdown(`${name} is gone`, 1);
  });
  return Object.defineProperty(shutdown, "begun", { get: () => begun }) as Shutdown;
}
