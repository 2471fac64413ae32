import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import type { DomainName } from "@/lib/contracts/domains";
import type { DataSyncConfig } from "@/lib/data-sync/data-sync-config";
import { type BackfillRun, holdEngineVerifications, runBackfill } from "./backfill";
import type { Cleanups } from "./cleanups";
import { runCopyPipe } from "./copy-pipe";
import { backendPids, cpuWindow } from "./cpu";
import { startEngineLoop, verifyOptionsOf } from "./engine-loop";
import { startLegacyWriter } from "./legacy-writer";
import type { SeedSize } from "./seed";
import { watchServer } from "./server-watch";
import { runVerifier, type VerifyRun } from "./verify";

const PIPE_RUNS = 3;
const BACKFILL_RUNS = 3;
const VERIFY_RUNS = 3;
const BACKFILLED: DomainName[] = ["identity", "learning"];

type Pipe = { rows: number; ms: number };

/**
 * Parts 1 and 3: the COPY pipe alone; then, with a writer changing the legacy tables at
 * `writesPerSecond` and a SyncEngine in this process streaming them, the backfill from scratch,
 * the pipe again and the verifier — each several times. The engine is stopped at the end, with
 * nothing left in the change log.
 */
export async function backfillPhase(options: {
  serverUrl: string;
  config: DataSyncConfig;
  urls: { control: string; legacy: string; identity: string; learning: string };
  pipeTargets: { identity: string; learning: string };
  databases: readonly string[];
  legacy: pg.Pool;
  size: SeedSize;
  writesPerSecond: number;
  cleanups: Cleanups;
}) {
  const { urls, cleanups } = options;
  const pipeQuiet: Pipe[] = [];
  const pipeLive: Pipe[] = [];
  const backfills: BackfillRun[] = [];
  const verifications: VerifyRun[] = [];
  for (let run = 0; run < PIPE_RUNS; run += 1)
    pipeQuiet.push(await runCopyPipe(urls.legacy, options.pipeTargets));

  const engine = startEngineLoop(
    BACKFILLED,
    {
      control: urls.control,
      legacy: urls.legacy,
      services: { identity: urls.identity, learning: urls.learning },
    },
    options.config,
  );
  cleanups.add("sync engine", () => engine.stop());
  await holdEngineVerifications(engine.control, BACKFILLED);
  const writer = startLegacyWriter(options.legacy, options.size, options.writesPerSecond);
  cleanups.add("legacy writer", () => writer.paced.stop());
  const services = [urls.identity, urls.learning].map(
    (url) => new pg.Pool({ connectionString: url, max: 1 }),
  );
  let servicesClosed: Promise<unknown> | undefined;
  const closeServices = () => {
    servicesClosed ??= Promise.all(services.map((pool) => pool.end()));
    return servicesClosed;
  };
  cleanups.add("service pools", async () => void (await closeServices()));
  const emptyServiceTables = async () => {
    await services[0]?.query("truncate users");
    await services[1]?.query("truncate interactions, known_users");
  };

  await sleep(1_000); // the engine's and the writer's connections are open
  const cpu = cpuWindow({
    "PostgreSQL (our databases)": await backendPids(options.serverUrl, options.databases),
  });
  const server = watchServer(options.serverUrl, options.databases);
  for (let run = 0; run < BACKFILL_RUNS; run += 1)
    backfills.push(await runBackfill(engine, BACKFILLED, emptyServiceTables));
  const notes = [
    `CPU during the backfills, in cores: ${cpu()}`,
    `during the backfills: ${await server()}`,
  ];
  for (let run = 0; run < PIPE_RUNS; run += 1)
    pipeLive.push(await runCopyPipe(urls.legacy, options.pipeTargets));
  const verifyOptions = verifyOptionsOf(options.config);
  for (let run = 0; run < VERIFY_RUNS; run += 1)
    verifications.push(await runVerifier(engine, BACKFILLED, verifyOptions));

  await writer.paced.stop();
  notes.unshift(
    `legacy writer: ${writer.ok()} writes at ${options.writesPerSecond}/s (${writer.failed()} failed) ` +
      "during the backfills, the second pipe and the verifier",
  );
  const settleBy = Date.now() + 30_000;
  while ((await engine.backlog()) > 0 && Date.now() < settleBy) await sleep(100);
  await engine.stop();
  await closeServices();
  return { pipeQuiet, pipeLive, backfills, verifications, notes };
}
