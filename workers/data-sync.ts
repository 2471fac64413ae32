/**
 * data-sync: moves each domain's data with its traffic (docs/decisions/0011-data-sync.md) —
 * the backfill of legacy rows into the services, the change stream both ways, retries of
 * quarantined changes, and verifications. One per platform.
 * Run: `tsx workers/data-sync.ts`; configuration: lib/data-sync/data-sync-config.ts; lifecycle
 * and admin server (ADMIN_PORT): lib/process/lifecycle.ts.
 */
import { CHANGES_CHANNEL } from "@/lib/data-sync/change-log";
import { DATA_COMMANDS_CHANNEL } from "@/lib/data-sync/control-store";
import { loadDataSyncConfig } from "@/lib/data-sync/data-sync-config";
import { domainSides } from "@/lib/data-sync/domain-sides";
import { TableColumns } from "@/lib/data-sync/row-writer";
import { SyncEngine } from "@/lib/data-sync/sync-engine";
import { SyncLock } from "@/lib/data-sync/sync-lock";
import { DOMAIN_TRANSLATORS } from "@/lib/data-sync/translators/registry";
import { Wakeup } from "@/lib/data-sync/wakeup";
import { resilientPool } from "@/lib/db/pool";
import { runProcess } from "@/lib/process/lifecycle";

await runProcess({
  name: "data-sync",
  kind: "worker",
  // biome-ignore lint/style/noProcessEnv: the entry hands its environment to the parser, once
  config: () => loadDataSyncConfig(process.env),
  logLevel: (config) => config.LOG_LEVEL,
  start: async (config, { logger }) => {
    const poolFor = (url: string, name: string) =>
      resilientPool({ connectionString: url, max: 3 }, logger, name);

    const control = poolFor(config.controlUrl, "control");
    const legacy = poolFor(config.legacyUrl, "legacy");
    const legacyColumns = new TableColumns(legacy);
    const services = config.DATA_SYNC_DOMAINS.map((domain) => {
      const pool = poolFor(config.serviceUrls[domain], domain);
      return { domain, pool };
    });
    const sides = new Map(
      services.map(({ domain, pool }) => [
        domain,
        domainSides(
          DOMAIN_TRANSLATORS[domain],
          { control, legacy, service: pool },
          { legacy: legacyColumns, service: new TableColumns(pool) },
        ),
      ]),
    );

    const engine = new SyncEngine(sides, control, {
      batchSize: config.DATA_SYNC_BATCH_SIZE,
      chunkSize: config.DATA_SYNC_CHUNK_SIZE,
      maxBatchesPerTick: 4,
      autoBackfill: config.DATA_SYNC_AUTO_BACKFILL === "1",
      verifyIntervalMs: config.DATA_VERIFY_INTERVAL_MS,
      verify: {
        chunkSize: config.DATA_VERIFY_CHUNK_SIZE,
        recheckAttempts: 3,
        recheckDelayMs: config.DATA_VERIFY_RECHECK_MS,
        maxDetails: 50,
      },
      log: logger,
    });

    const wakeup = new Wakeup(
      [
        { url: config.legacyUrl, channel: CHANGES_CHANNEL },
        ...services.map(({ domain }) => ({
          url: config.serviceUrls[domain],
          channel: CHANGES_CHANNEL,
        })),
        { url: config.controlUrl, channel: DATA_COMMANDS_CHANNEL },
      ],
      logger,
    );
    wakeup.start();

    const lock = new SyncLock(config.controlUrl, logger);
    lock.start();

    let stopping = false;
    async function loop(): Promise<void> {
      while (!stopping) {
        if (!lock.held) {
          await wakeup.wait(config.DATA_SYNC_IDLE_MS);
          continue;
        }
        let busy = false;
        try {
          busy = await engine.tick();
        } catch (error) {
          logger.warn({ err: error }, "sync tick failed; retrying");
          await wakeup.wait(1_000);
          continue;
        }
        if (!busy) await wakeup.wait(config.DATA_SYNC_IDLE_MS);
      }
    }

    logger.info({ domains: config.DATA_SYNC_DOMAINS }, "syncing");
    const running = loop();
    return {
      // the tick in flight finishes; the lock is released for another data-sync
      drain: async () => {
        stopping = true;
        await wakeup.close();
        await running;
        await engine.idle();
        await lock.close();
      },
      close: async () =>
        void (await Promise.all(
          [control, legacy, ...services.map((s) => s.pool)].map((pool) => pool.end()),
        )),
    };
  },
});
