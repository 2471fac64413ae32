import pg from "pg";
import type { Logger } from "pino";
import { z } from "zod";
import {
  type DomainName,
  DomainNameSchema,
  type MigrationState,
  MigrationStateSchema,
  ROUTES_CHANNEL,
} from "@/lib/contracts/domains";
import type { EventMetadata } from "@/lib/contracts/events/envelope";
import { NotifyReloader } from "@/lib/db/notify-reloader";
import { NonRetryableEventError } from "@/lib/events/event-errors";

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
 * every `keiko_routes` notification and every `reloadIntervalMs` (lib/db/notify-reloader.ts),
 * reconnecting after the server restarts. Until the first load, and for a domain without a row,
 * legacy applies effects.
 */
export class DomainPlacement implements EffectPlacement {
  #states: ReadonlyMap<DomainName, MigrationState> | null = null;
  #reloads = 0;
  readonly #pool: pg.Pool;
  readonly #reloader: NotifyReloader;

  constructor(options: DomainPlacementOptions) {
    this.#pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: 1,
      application_name: "keiko-effect-placement",
      connectionTimeoutMillis: 5_000,
      query_timeout: 5_000,
    });
    this.#pool.on("error", () => undefined);
    this.#reloader = new NotifyReloader({
      databaseUrl: options.databaseUrl,
      channel: ROUTES_CHANNEL,
      reloadIntervalMs: options.reloadIntervalMs ?? 5_000,
      load: () => this.#load(),
      what: "domain states",
      applicationName: "keiko-effect-placement",
      logger: options.logger,
    });
  }

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
  start(): Promise<void> {
    return this.#reloader.start("background");
  }

  /** Reloads now; concurrent calls share a reload, and one more follows if asked during it. */
  reload(): Promise<void> {
    return this.#reloader.reload();
  }

  async close(): Promise<void> {
    await this.#reloader.close();
    await this.#pool.end().catch(() => {});
  }

  async #load(): Promise<void> {
    const { rows } = await this.#pool.query<{ name: string; state: string }>(
      "select name, state::text as state from domains",
    );
    const states = new Map<DomainName, MigrationState>();
    for (const row of rows) {
      const name = DomainNameSchema.safeParse(row.name);
      const state = MigrationStateSchema.safeParse(row.state);
      if (name.success && state.success) states.set(name.data, state.data);
    }
    if (this.#reloader.closed) return;
    this.#states = states;
    this.#reloads += 1;
  }
}
