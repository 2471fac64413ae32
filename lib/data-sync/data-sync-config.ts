import { z } from "zod";
import { DatabaseUrlsSchema, resolveDatabaseUrls } from "@/lib/config/database-urls";
import { ConfigError, parseEnv } from "@/lib/config/parse-env";
import { DOMAIN_NAMES, type DomainName, DomainNameSchema } from "@/lib/contracts/domains";

const positiveInt = (fallback: number, max: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback);

const databaseName = z.string().regex(/^[a-z_][a-z0-9_]*$/, "database names are a-z, 0-9, _");

/** Environment of the data sync worker (workers/data-sync.ts). */
export const DataSyncEnvSchema = z.object({
  /** The server of every database that DATABASE_URLS does not name. */
  DATABASE_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\//.test(v), "must start with postgres://")
    .optional(),
  /** `<database>=<url>` pairs: the databases that live on other servers (database-urls.ts). */
  DATABASE_URLS: DatabaseUrlsSchema,
  CONTROL_DATABASE: databaseName.default("keiko_control"),
  LEGACY_DATABASE: databaseName.default("keiko_legacy"),
  /** `keiko_<domain>` unless set: a comma list of `<domain>=<database>` overrides (tests). */
  SERVICE_DATABASES: z.string().default(""),
  /** The domains this worker syncs (comma list); all six unless set. */
  DATA_SYNC_DOMAINS: z
    .string()
    .default(DOMAIN_NAMES.join(","))
    .transform((v) =>
      v
        .split(",")
        .map((name) => name.trim())
        .filter(Boolean),
    )
    .pipe(z.array(DomainNameSchema).min(1, "name at least one domain")),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Changes read per batch and direction. */
  DATA_SYNC_BATCH_SIZE: positiveInt(500, 10_000),
  /** Legacy rows per backfill chunk. */
  DATA_SYNC_CHUNK_SIZE: positiveInt(20_000, 50_000),
  /** With nothing notified, look again this often. */
  DATA_SYNC_IDLE_MS: positiveInt(250, 60_000),
  /** `1`: start every backfill not started yet (the launcher's default, so the demo moves). */
  DATA_SYNC_AUTO_BACKFILL: z.enum(["0", "1"]).default("0"),
  /** Each domain whose backfill is complete is verified this often (and on demand). */
  DATA_VERIFY_INTERVAL_MS: positiveInt(300_000, 7 * 24 * 3600 * 1000),
  DATA_VERIFY_CHUNK_SIZE: positiveInt(5000, 50_000),
  /** A differing row is read again once the sync has passed it and this long after, up to 3 times. */
  DATA_VERIFY_RECHECK_MS: positiveInt(100, 60_000),
});

export type DataSyncConfig = Omit<z.infer<typeof DataSyncEnvSchema>, "DATABASE_URLS"> & {
  controlUrl: string;
  legacyUrl: string;
  serviceUrls: Record<DomainName, string>;
};

/** Reads the worker's configuration once; a bad value throws one line naming the variable. */
export function loadDataSyncConfig(env: Record<string, string | undefined>): DataSyncConfig {
  const { DATABASE_URLS, ...parsed } = parseEnv(DataSyncEnvSchema, env);
  const overrides = new Map<string, string>();
  for (const pair of parsed.SERVICE_DATABASES.split(",").filter(Boolean)) {
    const [domain, database] = pair.split("=").map((part) => part.trim());
    const name = databaseName.safeParse(database);
    if (!domain || !(DOMAIN_NAMES as readonly string[]).includes(domain) || !name.success) {
      throw new ConfigError(
        `invalid configuration: SERVICE_DATABASES: expected <domain>=<database>, got "${pair}"`,
      );
    }
    overrides.set(domain, name.data);
  }
  const serviceDatabases = DOMAIN_NAMES.map((domain) => overrides.get(domain) ?? `keiko_${domain}`);
  const urls = resolveDatabaseUrls(
    [parsed.CONTROL_DATABASE, parsed.LEGACY_DATABASE, ...serviceDatabases],
    { serverUrl: parsed.DATABASE_URL, urls: DATABASE_URLS },
  );
  const urlOf = (database: string) => urls[database] as string;
  return {
    ...parsed,
    controlUrl: urlOf(parsed.CONTROL_DATABASE),
    legacyUrl: urlOf(parsed.LEGACY_DATABASE),
    serviceUrls: Object.fromEntries(
      DOMAIN_NAMES.map((domain, index) => [domain, urlOf(serviceDatabases[index] as string)]),
    ) as Record<DomainName, string>,
  };
}
