/** How a process ended; `error` is set when it could not be started at all. */
export type ExitInfo = { code: number | null; signal: NodeJS.Signals | null; error?: Error };

/** A running process the supervisor watches and stops, whatever started it. */
export type ManagedProcess = {
  name: string;
  pid: number | undefined;
  /** Settles once, when the process has ended for any reason. */
  exited: Promise<ExitInfo>;
  /** Ends the process gracefully (escalating if it takes too long); resolves once it is gone. */
  stop(): Promise<void>;
  /** True once `exited` has settled. */
  hasExited(): boolean;
};

/** One line that says how a process ended. */
export function describeExit(info: ExitInfo): string {
  if (info.error) return `could not start: ${info.error.message}`;
  if (info.signal) return `was killed by ${info.signal}`;
  if (info.code === null) return "exited";
  return `exited with code ${info.code}`;
}
