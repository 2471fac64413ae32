import { type ChildSpec, spawnChild } from "./child-process";
import { describeExit, type ExitInfo, type ManagedProcess } from "./managed-process";
import { waitUntil } from "./wait-until";

/** One process of the stack: how to start it and how to tell it is ready. */
export type ProcessEntry = {
  name: string;
  start(): Promise<ManagedProcess> | ManagedProcess;
  /** Resolves true once the process serves; called repeatedly until then. */
  ready(): Promise<boolean>;
  readyTimeoutMs?: number;
};

/** Thrown by start() and run() when a shutdown began while they were under way. */
export class ShutdownInProgress extends Error {
  override name = "ShutdownInProgress";
}

type UnexpectedExitListener = (name: string, info: ExitInfo) => void;

/**
 * Starts named processes in order, waits for each to be ready, reports one that dies on its own,
 * and stops them all in reverse order. It only ever stops what it started.
 */
export class Supervisor {
  private readonly running: ManagedProcess[] = [];
  private readonly starting = new Set<Promise<unknown>>();
  private readonly listeners: UnexpectedExitListener[] = [];
  private stopping = false;
  private stopped: Promise<void> | undefined;

  constructor(private readonly log: (line: string) => void = console.log) {}

  get isStopping(): boolean {
    return this.stopping;
  }

  /** Names of the processes currently running, in start order. */
  get names(): string[] {
    return this.running.map((p) => p.name);
  }

  /** Called when a process that was ready exits while no shutdown is under way. */
  onUnexpectedExit(listener: UnexpectedExitListener): void {
    this.listeners.push(listener);
  }

  /** Starts `entry` and waits until it is ready; a failure leaves it tracked for stopAll(). */
  async start(entry: ProcessEntry): Promise<ManagedProcess> {
    if (this.stopping) throw new ShutdownInProgress(`not starting ${entry.name}: stopping`);
    const starting = Promise.resolve(entry.start());
    this.starting.add(starting);
    let process: ManagedProcess;
    try {
      process = await starting;
    } finally {
      this.starting.delete(starting);
    }
    this.track(process);
    if (this.stopping) throw new ShutdownInProgress(`${entry.name} started during shutdown`);

    let ready = false;
    void process.exited.then((info) => {
      if (ready && !this.stopping)
        for (const listener of this.listeners) listener(process.name, info);
    });
    await waitUntil(() => entry.ready(), {
      what: entry.name,
      timeoutMs: entry.readyTimeoutMs ?? 60_000,
      intervalMs: 250,
      giveUp: () => {
        if (this.stopping) return `${entry.name}: stopping`;
        if (process.hasExited()) return `${entry.name} ended`;
        return undefined;
      },
    }).catch(async (error: unknown) => {
      if (this.stopping) throw new ShutdownInProgress(`${entry.name}: stopping`);
      // The readiness check may lose the race with the exit event by a tick.
      const ended = await Promise.race([process.exited, delay(50)]);
      if (ended) throw new Error(`${entry.name} ${describeExit(ended)} before it was ready`);
      throw error;
    });
    ready = true;
    return process;
  }

  /** Runs a one-off child (a build, say) to completion; it is stopped too if a shutdown begins. */
  async run(spec: ChildSpec): Promise<void> {
    if (this.stopping) throw new ShutdownInProgress(`not running ${spec.name}: stopping`);
    const process = spawnChild(spec);
    this.track(process);
    const info = await process.exited;
    this.untrack(process);
    if (this.stopping) throw new ShutdownInProgress(`${spec.name}: stopping`);
    if (info.code !== 0) throw new Error(`${spec.name} ${describeExit(info)}`);
  }

  /** Stops every process it started, newest first; safe to call more than once. */
  stopAll(): Promise<void> {
    this.stopping = true;
    this.stopped ??= this.stopInReverse();
    return this.stopped;
  }

  private async stopInReverse(): Promise<void> {
    await Promise.allSettled([...this.starting]);
    while (this.running.length > 0) {
      const process = this.running.pop();
      if (!process || process.hasExited()) continue;
      this.log(`stopping ${process.name}`);
      await process.stop().catch((error: unknown) => {
        this.log(
          `could not stop ${process.name}: ${error instanceof Error ? error.message : error}`,
        );
      });
    }
  }

  private track(process: ManagedProcess): void {
    this.running.push(process);
  }

  private untrack(process: ManagedProcess): void {
    const index = this.running.indexOf(process);
    if (index >= 0) this.running.splice(index, 1);
  }
}

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms));
}
