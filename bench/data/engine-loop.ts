import pg from "pg";
import pino from "pino";
import type { DomainName } from "@/lib/contracts/domains";
import { backlogOf, CHANGES_CHANNEL } from "@/lib/data-sync/change-log";
import type { DataSyncConfig } from "@/lib/data-sync/data-sync-config";
import { type DomainSides, domainSides } from "@/lib/data-sync/domain-sides";
import { type EngineOptions, SyncEngine } from "@/lib/data-sync/sync-engine";
import { DOMAIN_TRANSLATORS } from "@/lib/data-sync/translators/registry";
import type { VerifyOptions } from "@/lib/data-sync/verifier";
import { Wakeup } from "@/lib/data-sync/wakeup";

export type EngineUrls = { control: string; legacy: string; services: Record<string, string> };

/** The verifier's settings as workers/data-sync.ts derives them from its configuration. */
export function verifyOptionsOf(config: DataSyncConfig): VerifyOptions {
  return {
    chunkSize: config.DATA_VERIFY_CHUNK_SIZE,
    recheckAttempts: 3,
    recheckDelayMs: config.DATA_VERIFY_RECHECK_MS,
    maxDetails: 50,
  };
}

/**
 * A SyncEngine over `domains` with the worker's settings, driven by the worker's loop (tick at
 * once while busy, else wait for a change notification or the idle interval), in this process.
 */
export function startEngineLoop(
  domains: readonly DomainName[],
  urls: EngineUrls,
  config: DataSyncConfig,
) {
  const log = pino({ level: "warn" });
  const pool = (url: string) => new pg.Pool({ connectionString: url, max: 3 });
  const control = pool(urls.control);
  const legacy = pool(urls.legacy);
  const services = domains.map((domain) => {
    const url = urls.services[domain];
    if (!url) throw new Error(`no service database for ${domain}`);
    return { domain, url, pool: pool(url) };
  });
  const sides = new Map<DomainName, DomainSides>(
    services.map((s) => [
      s.domain,
      domainSides(DOMAIN_TRANSLATORS[s.domain], { control, legacy, service: s.pool }),
    ]),
  );
  const options: EngineOptions = {
    batchSize: config.DATA_SYNC_BATCH_SIZE,
    chunkSize: config.DATA_SYNC_CHUNK_SIZE,
    maxBatchesPerTick: 4, // as workers/data-sync.ts
    autoBackfill: false,
    verifyIntervalMs: config.DATA_VERIFY_INTERVAL_MS,
    verify: verifyOptionsOf(config),
    log,
  };
  const engine = new SyncEngine(sides, control, options);
  const wakeup = new Wakeup(
    [urls.legacy, ...services.map((s) => s.url)].map((url) => ({ url, channel: CHANGES_CHANNEL })),
    log,
  );
  wakeup.start();
  let stopping = false;
  let stopped: Promise<void> | undefined;
  let failures = 0;
  const loop = (async () => {
    while (!stopping) {
      let busy = false;
      try {
        busy = await engine.tick();
      } catch (error) {
        failures += 1;
        log.warn({ err: error }, "tick failed");
      }
      if (!busy) await wakeup.wait(config.DATA_SYNC_IDLE_MS);
    }
  })();

  /** Captured changes not applied yet, on every side of every domain. */
  async function backlog(): Promise<number> {
    let total = 0;
    for (const side of sides.values()) {
      total += (
        await backlogOf(
          side.legacy,
          side.translator.tables.map((t) => t.legacy.table),
        )
      ).pending;
      total += (
        await backlogOf(
          side.service,
          side.translator.tables.map((t) => t.service.table),
        )
      ).pending;
    }
    return total;
  }

  return {
    sides,
    control,
    backlog,
    failures: () => failures,
    poke: () => wakeup.poke(),
    /** Ends the loop, waits for its last tick, closes the pools; once. */
    stop() {
      stopped ??= (async () => {
        stopping = true;
        await wakeup.close();
        await loop;
        await engine.idle();
        await Promise.all([control, legacy, ...services.map((s) => s.pool)].map((p) => p.end()));
      })();
      return stopped;
    },
  };
}

export type EngineLoop = ReturnType<typeof startEngineLoop>;
