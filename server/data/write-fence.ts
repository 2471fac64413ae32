import { setTimeout as sleep } from "node:timers/promises";
import { and, eq, ne, sql } from "drizzle-orm";
import { type DomainName, ROUTES_CHANNEL } from "@/lib/contracts/domains";
import type { ControlDb } from "@/server/db/client";
import { dataSyncStatus } from "@/server/db/schema/data-sync";
import { domains } from "@/server/db/schema/migration";
import { SYNC_STALE_MS } from "./data-status";

export type FenceOptions = {
  /** Writes already inside the gateway when the fence went up get this long to reach a database. */
  inFlightGraceMs: number;
  /** The longest the flip waits for the drain; past it the flip goes on (the sync still carries the rest). */
  maxWaitMs: number;
  pollMs: number;
};

export const DEFAULT_FENCE: FenceOptions = { inFlightGraceMs: 250, maxWaitMs: 5_000, pollMs: 50 };

/** What a fence did, for the rollback's audit row. */
export type FenceRecord = {
  fenceMs: number;
  drained: boolean;
  /** Why it did not wait or did not drain, when it did not. */
  note?: string;
};

async function raiseFence(db: ControlDb, domain: DomainName): Promise<boolean> {
  return db.transaction(async (tx) => {
    const raised = await tx
      .update(domains)
      .set({ writeFence: true })
      .where(and(eq(domains.name, domain), ne(domains.state, "legacy")))
      .returning({ name: domains.name });
    // Delivered on commit: the gateway refuses the domain's writes from its next request on.
    if (raised.length > 0) await tx.execute(sql`select pg_notify(${ROUTES_CHANNEL}, ${domain})`);
    return raised.length > 0;
  });
}

/** Takes the fence down without a state change (a rollback that failed after raising it). */
export async function lowerFence(db: ControlDb, domain: DomainName): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.update(domains).set({ writeFence: false }).where(eq(domains.name, domain));
    await tx.execute(sql`select pg_notify(${ROUTES_CHANNEL}, ${domain})`);
  });
}

/**
 * Raises the domain's write fence and waits until the service → legacy sync has reported an
 * empty backlog from a beat taken after the fence (and the in-flight grace) began, so legacy
 * holds every write the service acknowledged before it takes the traffic back. Bounded by
 * `maxWaitMs`; a sync that is not running is not waited for (it carries the rest when it
 * returns: the flip loses nothing, it only reads older data meanwhile). The caller's state
 * change lowers the fence in its own transaction.
 */
export async function fenceAndDrain(
  db: ControlDb,
  domain: DomainName,
  options: FenceOptions = DEFAULT_FENCE,
): Promise<FenceRecord> {
  const started = Date.now();
  if (!(await raiseFence(db, domain)))
    return { fenceMs: 0, drained: true, note: "already on legacy" };
  const drainedAfter = new Date(started + options.inFlightGraceMs);
  for (;;) {
    const [beat] = await db
      .select()
      .from(dataSyncStatus)
      .where(
        and(eq(dataSyncStatus.domain, domain), eq(dataSyncStatus.direction, "service_to_legacy")),
      );
    const elapsed = Date.now() - started;
    if (!beat || Date.now() - beat.heartbeatAt.getTime() > SYNC_STALE_MS) {
      return {
        fenceMs: elapsed,
        drained: false,
        note: "the data sync is not running; it carries the rest when it returns",
      };
    }
    if (beat.heartbeatAt > drainedAfter && beat.pending === 0)
      return { fenceMs: elapsed, drained: true };
    if (elapsed >= options.maxWaitMs) {
      return {
        fenceMs: elapsed,
        drained: false,
        note: `${beat.pending} changes still on their way after ${elapsed} ms`,
      };
    }
    await sleep(options.pollMs);
  }
}
