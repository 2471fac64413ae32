/**
 * A launcher in miniature for shutdown.test.ts: two HTTP children (`a` on argv[2], `b` on argv[3])
 * under a Supervisor wired with installShutdown(), as scripts/start.ts does. With argv[4] =
 * `crashing`, `a` exits 1 s after each start, so the supervisor gives up on it.
 */
import { spawnChild } from "../child-process";
import { httpOk } from "../probes";
import { installShutdown } from "../shutdown";
import { Supervisor } from "../supervisor";

const [portA, portB, mode] = process.argv.slice(2);
const log = (line: string) => console.log(`[launcher] ${line}`);
const supervisor = new Supervisor(log, { initialDelayMs: 100, maxCrashes: 2, graceMs: 50 });
installShutdown(supervisor, { log, fail: log });

function server(name: string, port: string, exitAfterMs?: number) {
  const exit =
    exitAfterMs === undefined ? "" : `setTimeout(() => process.exit(9), ${exitAfterMs});`;
  const code = `require("http").createServer((q, s) => s.end("${name}")).listen(${port}, "127.0.0.1"); ${exit}`;
  return {
    name,
    start: () => spawnChild({ name, command: process.execPath, args: ["-e", code] }),
    ready: () => httpOk(`http://127.0.0.1:${port}/`),
    readyTimeoutMs: 5000,
  };
}

await supervisor.start(server("b", portB ?? "0"));
await supervisor.start(server("a", portA ?? "0", mode === "crashing" ? 1000 : undefined));
log(`ready ${JSON.stringify(supervisor.status().map((s) => s.pid))}`);
