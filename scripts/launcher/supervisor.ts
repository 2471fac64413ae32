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
  /** False: a crash is not restarted and gives up at once (the stack stops). Default true. */
  restart?: boolean;
};

/** How crashed processes are restarted (see scripts/launcher/README.md, "Supervision"). */
export type RestartPolicy = {
  /** Wait before the first restart; it doubles with each further crash in the window. */
  initialDelayMs: number;
  /** The longest wait before a restart. */
  maxDelayMs: number;
  /** More crashes than this within `windowMs` and the supervisor gives up on the process. */
  maxCrashes: number;
  windowMs: number;
  /** An exit is judged after this long, so the children's share of a Ctrl-C is no crash. */
  graceMs: number;
};

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 15_000,
  maxCrashes: 5,
  windowMs: 60_000,
  graceMs: 200,
};

/** Thrown by start() and run() when a shutdown began while they were under way. */
export class ShutdownInProgress extends Error {
  override name = "ShutdownInProgress";
}

type UnexpectedExitListener = (name: string, info: ExitInfo) => void;
type GiveUpListener = (name: string, reason: string) => void;

/** What the supervisor knows of one supervised process, across its restarts. */
export type ProcessStatus = { name: string; pid: number | undefined; restarts: number };

type Supervised = {
  entry: ProcessEntry;
  process: ManagedProcess;
  /** When it crashed, within the policy's window. */
  crashes: number[];
  restarts: number;
};

/**
 * Starts named processes in order, waits for each to be ready, restarts one that dies on its own
 * (with exponential backoff, giving up after too many crashes in a window), and stops them all in
 * reverse order. It only ever stops what it started.
 */
export class Supervisor {
  private readonly running: ManagedProcess[] = [];
  private readonly supervised: Supervised[] = [];
  private readonly starting = new Set<Promise<unknown>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly exitListeners: UnexpectedExitListener[] = [];
  private readonly giveUpListeners: GiveUpListener[] = [];
  private readonly policy: RestartPolicy;
  private stopping = false;
  private stopped: Promise<void> | undefined;

  constructor(
    private readonly log: (line: string) => void = console.log,
    policy: Partial<RestartPolicy> = {},
  ) {
    this.policy = { ...DEFAULT_RESTART_POLICY, ...policy };
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /** Names of the processes it started, in start order. */
  get names(): string[] {
    return this.running.map((p) => p.name);
  }

  /** Each supervised process, its current pid and how often it was restarted. */
  status(): ProcessStatus[] {
    return this.supervised.map(({ entry, process, restarts }) => ({
      name: entry.name,
      pid: process.pid,
      restarts,
    }));
  }

  /** Called each time a process that was ready exits while no shutdown is under way. */
  onUnexpectedExit(listener: UnexpectedExitListener): void {
    this.exitListeners.push(listener);
  }

  /** Called when a crashed process will not be restarted (too many crashes, or no restarts). */
  onGiveUp(listener: GiveUpListener): void {
    this.giveUpListeners.push(listener);
  }

  /** Starts `entry` and waits until it is ready; a failure leaves it tracked for stopAll(). */
  async start(entry: ProcessEntry): Promise<ManagedProcess> {
    const process = await this.launch(entry);
    const supervised: Supervised = { entry, process, crashes: [], restarts: 0 };
    this.supervised.push(supervised);
    this.watch(supervised);
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
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.stopped ??= this.stopInReverse();
    return this.stopped;
  }

  /**
   * Starts `entry` (in the slot of `supervised`'s process when restarting it) and waits until it
   * is ready.
   */
  private async launch(entry: ProcessEntry, supervised?: Supervised): Promise<ManagedProcess> {
    if (this.stopping) throw new ShutdownInProgress(`not starting ${entry.name}: stopping`);
    const starting = Promise.resolve(entry.start());
    this.starting.add(starting);
    let process: ManagedProcess;
    try {
      process = await starting;
    } finally {
      this.starting.delete(starting);
    }
    this.track(process, supervised?.process);
    if (supervised) supervised.process = process;
    if (this.stopping) throw new ShutdownInProgress(`${entry.name} started during shutdown`);

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
      if (supervised) await process.stop(); // a restart that hangs is one more crash, not a zombie
      throw error;
    });
    return process;
  }

  /** Judges the exit of a ready process once the grace period has passed. */
  private watch(supervised: Supervised): void {
    const { process } = supervised;
    void process.exited.then((info) => {
      if (this.stopping) return;
      this.later(() => this.crashed(supervised, info), this.policy.graceMs);
    });
  }

  private crashed(supervised: Supervised, info: ExitInfo): void {
    if (this.stopping) return;
    const { name } = supervised.entry;
    for (const listener of this.exitListeners) listener(name, info);
    const now = Date.now();
    supervised.crashes = supervised.crashes.filter((at) => now - at < this.policy.windowMs);
    supervised.crashes.push(now);
    const count = supervised.crashes.length;
    const windowS = Math.round(this.policy.windowMs / 1000);
    if (supervised.entry.restart === false) {
      this.giveUp(name, `${name} ${describeExit(info)} and is not restarted`);
      return;
    }
    if (count > this.policy.maxCrashes) {
      this.giveUp(
        name,
        `${name} crashed ${count} times in ${windowS} s (last: ${describeExit(info)}); giving up after ${supervised.restarts} restarts`,
      );
      return;
    }
    const wait = Math.min(this.policy.initialDelayMs * 2 ** (count - 1), this.policy.maxDelayMs);
    this.log(
      `${name} ${describeExit(info)}; restart ${supervised.restarts + 1} in ${duration(wait)} (${count} crash${count === 1 ? "" : "es"} in ${windowS} s)`,
    );
    this.later(() => void this.restart(supervised), wait);
  }

  private async restart(supervised: Supervised): Promise<void> {
    if (this.stopping) return;
    const { entry } = supervised;
    supervised.restarts += 1;
    try {
      await this.launch(entry, supervised);
    } catch (error) {
      if (this.stopping || error instanceof ShutdownInProgress) return;
      const message = error instanceof Error ? error.message : String(error);
      this.log(`restart ${supervised.restarts} of ${entry.name} failed: ${message}`);
      this.crashed(supervised, { code: null, signal: null, error: new Error(message) });
      return;
    }
    this.log(
      `${entry.name} restarted (restart ${supervised.restarts}, pid ${supervised.process.pid ?? "?"})`,
    );
    this.watch(supervised);
  }

  private giveUp(name: string, reason: string): void {
    this.log(reason);
    for (const listener of this.giveUpListeners) listener(name, reason);
  }

  /** A timer that stopAll() cancels. */
  private later(action: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
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

  /** Tracks `process` for stopAll(); a restarted process takes its predecessor's place in the order. */
  private track(process: ManagedProcess, replacing?: ManagedProcess): void {
    const index = replacing ? this.running.indexOf(replacing) : -1;
    if (index >= 0) this.running[index] = process;
    else this.running.push(process);
  }

  private untrack(process: ManagedProcess): void {
    const index = this.running.indexOf(process);
    if (index >= 0) this.running.splice(index, 1);
  }
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms));
}
