import pg from "pg";
import type { Logger } from "pino";
import { z } from "zod";
import {
  DOMAIN_NAMES,
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
 * The metadata key of a new service's event that lists the consuming domains on legacy or shadow
 * when the write was taken: the legacy runtime's effects consumer applies their effects into
 * keiko_legacy, and their services apply none (one writer per domain's aggregates, decision 0011).
 */
export const EFFECTS_ON_LEGACY = "effects_on_legacy";

/** The request header by which the gateway tells a new service which domains are on legacy. */
export const LEGACY_EFFECTS_HEADER = "x-keiko-legacy-effects";

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
  const { [EFFECTS_APPLIED]: _decided, [EFFECTS_ON_LEGACY]: _placed, ...rest } = metadata;
  return rest as EventMetadata;
}

/** The domains named in `states` (a domain without a state counts as legacy) on legacy or shadow. */
export function domainsOnLegacy(states: ReadonlyMap<DomainName, MigrationState>): DomainName[] {
  return DOMAIN_NAMES.filter((domain) => {
    const state = states.get(domain);
    return state === undefined || state === "legacy" || state === "shadow";
  });
}

/** `metadata` of a service's write stating the consuming domains whose effects legacy applies. */
export function withEffectsOnLegacy(
  metadata: EventMetadata,
  domains: readonly DomainName[],
): EventMetadata {
  return domains.length === 0 ? metadata : { ...metadata, [EFFECTS_ON_LEGACY]: [...domains] };
}

/**
 * The domains a gateway header names (`reputation,passport`), or null for a header that is absent
 * or names anything but domains (then the service applies every effect, as before the header).
 */
export function parseLegacyEffectsHeader(value: unknown): DomainName[] | null {
  if (typeof value !== "string" || value.length === 0 || value.length > 200) return null;
  const names = value.split(",").map((name) => name.trim());
  const parsed = z.array(DomainNameSchema).safeParse(names);
  return parsed.success ? parsed.data : null;
}

const DomainListSchema = z.array(z.string()).optional();

function listedIn(metadata: EventMetadata, key: string, domain: DomainName): boolean {
  const listed = DomainListSchema.safeParse(metadata[key]);
  if (!listed.success) {
    throw new NonRetryableEventError(
      `metadata.${key} must be a list of domain names, got ${JSON.stringify(metadata[key])}`,
    );
  }
  return listed.data?.includes(domain) ?? false;
}

/**
 * Whether the producer already applied `domain`'s effect of the event with `metadata` in its
 * own transaction (the legacy runtime). A malformed list is a producer bug: the event goes to the DLQ.
 */
export function effectAppliedByProducer(metadata: EventMetadata, domain: DomainName): boolean {
  return listedIn(metadata, EFFECTS_APPLIED, domain);
}

/**
 * Whether the legacy runtime's effects consumer applies `domain`'s effect of a new service's
 * event: the producer stamped `domain` as on legacy or shadow when it took the write.
 */
export function effectLeftToLegacyConsumer(metadata: EventMetadata, domain: DomainName): boolean {
  return listedIn(metadata, EFFECTS_ON_LEGACY, domain);
}

/**
 * Whether `domain`'s effect of the event is legacy's to apply (in the producer's transaction or
 * by its effects consumer), so `domain`'s own service must not apply it: one writer per aggregate.
 */
export function legacyAppliesEffect(metadata: EventMetadata, domain: DomainName): boolean {
  return effectAppliedByProducer(metadata, domain) || effectLeftToLegacyConsumer(metadata, domain);
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
