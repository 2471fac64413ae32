import pg from "pg";
import type { Logger } from "pino";
import { z } from "zod";
import {
  type DomainName,
  DomainNameSchema,
  type MigrationState,
  MigrationStateSchema,
} from "@/lib/contracts/domains";
import type { EventMetadata } from "@/lib/contracts/events/envelope";
import { NonRetryableEventError } from "@/lib/events/event-errors";

/** The channel the control plane notifies, in the transaction of every change of a domain. */
export const ROUTES_CHANNEL = "keiko_routes";

/** The metadata key that lists the domains whose effects the producer applied. */
export const EFFECTS_APPLIED = "effects_applied";

/**
 * Where the cross-domain effects of a write the legacy runtime takes are applied
 * (docs/decisions/0011-data-sync.md, "Events and effects: decided once, by the producer").
 */
export interface EffectPlacement {
  /** True while `domain` is on legacy or shadow: the runtime applies its effects itself. */
  legacyAppliesEffectsOf(domain: DomainName): boolean;
}

/** Without a control database the runtime applies every effect, as the monolith always did. */
export const LEGACY_APPLIES_EVERY_EFFECT: EffectPlacement = {
  legacyAppliesEffectsOf: () => true,
};

/** The domains among `consumers` whose effects the legacy runtime applies now, in that order. */
export function effectsLegacyApplies(
  placement: EffectPlacement,
  consumers: readonly DomainName[],
): DomainName[] {
  return consumers.filter((domain) => placement.legacyAppliesEffectsOf(domain));
}

/** `metadata` stating which domains' effects the producer applied in the writing transaction. */
export function withEffectsApplied(
  metadata: EventMetadata,
  domains: readonly DomainName[],
): EventMetadata {
  return { ...metadata, [EFFECTS_APPLIED]: [...domains] };
}

/** `metadata` without the producer's decision: an effect's own event decides nothing of its cause. */
export function withoutEffectsApplied(metadata: EventMetadata): EventMetadata {
  const { [EFFECTS_APPLIED]: _decided, ...rest } = metadata;
  return rest as EventMetadata;
}

const EffectsAppliedSchema = z.array(z.string()).optional();

/**
 * Whether the producer already applied `domain`'s effect of the event with `metadata`, so the
 * consumer must not apply it again. A malformed list is a producer bug: the event goes to the DLQ.
 */
export function effectAppliedByProducer(metadata: EventMetadata, domain: DomainName): boolean {
  const listed = EffectsAppliedSchema.safeParse(metadata[EFFECTS_APPLIED]);
  if (!listed.success) {
    throw new NonRetryableEventError(
      `metadata.${EFFECTS_APPLIED} must be a list of domain names, got ${JSON.stringify(metadata[EFFECTS_APPLIED])}`,
    );
  }
  return listed.data?.includes(domain) ?? false;
}

export type DomainPlacementOptions = {
  /** keiko_control's URL; one connection LISTENs and reads the `domains` table. */
  databaseUrl: string;
  /** A full reload this often, whatever the notifications say. */
  reloadIntervalMs?: number;
  logger: Pick<Logger, "warn">;
};

/**
 * The state of every domain, read from keiko_control's `domains`: loaded at start, reloaded on
 * every `keiko_routes` notification and every `reloadIntervalMs`, reconnecting after the
 * server restarts. Until the first load, and for a domain without a row, legacy applies effects.
 * Written here rather than shared with the gateway's RouteWatcher, which lib may not import.
 */
export class DomainPlacement implements EffectPlacement {
  #states: ReadonlyMap<DomainName, MigrationState> | null = null;
  #client: pg.Client | null = null;
  #reloading: Promise<void> | null = null;
  #again = false;
  #timer: NodeJS.Timeout | null = null;
  #reconnectTimer: NodeJS.Timeout | null = null;
  #reconnectDelayMs = 100;
  #closed = false;
  #reloads = 0;

  constructor(private readonly options: DomainPlacementOptions) {}

  legacyAppliesEffectsOf(domain: DomainName): boolean {
    const state = this.#states?.get(domain);
    return state === undefined || state === "legacy" || state === "shadow";
  }

  /** The state last read for `domain`, if any. */
  stateOf(domain: DomainName): MigrationState | undefined {
    return this.#states?.get(domain);
  }

  /** True once the states have been read at least once. */
  get loaded(): boolean {
    return this.#states !== null;
  }

  /** Completed loads, for tests. */
  get reloads(): number {
    return this.#reloads;
  }

  /**
   * Connects, LISTENs and loads. If the control database does not answer, the runtime goes on
   * applying every effect and this keeps retrying in the background.
   */
  async start(): Promise<void> {
    this.#timer = setInterval(() => void this.reload(), this.options.reloadIntervalMs ?? 5_000);
    this.#timer.unref();
    try {
      await this.#connect();
    } catch (error) {
      this.options.logger.warn(
        { err: error },
        "cannot read the domain states yet; legacy applies every effect until it can",
      );
      this.#scheduleReconnect();
    }
  }

  /** Reloads now; concurrent calls share a reload, and one more follows if asked during it. */
  reload(): Promise<void> {
    if (this.#reloading) {
      this.#again = true;
      return this.#reloading;
    }
    this.#reloading = (async () => {
      try {
        do {
          this.#again = false;
          await this.#load();
        } while (this.#again && !this.#closed);
      } catch (error) {
        this.options.logger.warn({ err: error }, "domain states reload failed; keeping the last");
      } finally {
        this.#reloading = null;
      }
    })();
    return this.#reloading;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    await this.#reloading;
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }

  async #load(): Promise<void> {
    const client = this.#client;
    if (!client) return; // the reconnect reloads once it is back
    const { rows } = await client.query<{ name: string; state: string }>(
      "select name, state::text as state from domains",
    );
    const states = new Map<DomainName, MigrationState>();
    for (const row of rows) {
      const name = DomainNameSchema.safeParse(row.name);
      const state = MigrationStateSchema.safeParse(row.state);
      if (name.success && state.success) states.set(name.data, state.data);
    }
    if (this.#closed) return;
    this.#states = states;
    this.#reloads += 1;
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      application_name: "keiko-effect-placement",
      connectionTimeoutMillis: 5_000,
      query_timeout: 5_000,
    });
    const lost = (error?: Error) => {
      if (this.#client !== client) return;
      this.#client = null;
      client.removeAllListeners("notification");
      void client.end().catch(() => {});
      if (this.#closed) return;
      this.options.logger.warn({ err: error }, "lost the control database; reconnecting");
      this.#scheduleReconnect();
    };
    client.on("error", lost);
    client.on("end", () => lost());
    client.on("notification", (message) => {
      if (message.channel === ROUTES_CHANNEL) void this.reload();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${ROUTES_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (this.#closed) {
      await client.end();
      return;
    }
    this.#client = client;
    this.#reconnectDelayMs = 100;
    // listening first: a change committed from here on is either in this load or notified
    await this.reload();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnectTimer) return;
    const delay = this.#reconnectDelayMs;
    this.#reconnectDelayMs = Math.min(delay * 2, 5_000);
    this.#reconnectTimer = setTimeout(async () => {
      this.#reconnectTimer = null;
      try {
        await this.#connect();
      } catch (error) {
        this.options.logger.warn({ err: error }, "control database reconnect failed");
        this.#scheduleReconnect();
      }
    }, delay);
    this.#reconnectTimer.unref();
  }
}
