import type { DomainName } from "@/lib/contracts/domains";

/**
 * A row as PostgreSQL's `to_jsonb(row)` gives it: snake_case column names, JSON values
 * (timestamps as ISO strings, arrays as arrays). The sync reads and writes only this shape
 * (`jsonb_populate_record` on the way in), so translators are pure functions over it.
 */
export type SqlRow = Record<string, unknown>;

/** One table on one side: its name and primary key columns. */
export type TableSide = { table: string; key: readonly string[] };

/** A table a domain owns on both sides, with the translation between the two schemas. */
export type SyncTable = {
  legacy: TableSide;
  service: TableSide;
  /** Legacy row → service row; throws a `TranslationError` for a row it cannot translate. */
  toService(row: SqlRow): SqlRow;
  /** Service row → legacy row; `toLegacy(toService(r))` equals `r`. */
  toLegacy(row: SqlRow): SqlRow;
  /**
   * Set when the two sides differ only by column names (`[legacy, service]`, every column):
   * the backfill may then copy a chunk in SQL (COPY) instead of row by row through Node.
   */
  renames?: ReadonlyArray<readonly [legacy: string, service: string]>;
};

/**
 * A projection a service keeps of another domain's data (known users, members, a score cache):
 * not synced (events keep it current), but seeded once from legacy by the backfill, so a
 * service that starts late knows the entities that existed before it.
 */
export type ProjectionSeed = {
  /** The legacy table read, in primary-key order. */
  legacy: TableSide;
  /** The service table written; an existing row is left as it is. */
  service: TableSide;
  build(row: SqlRow): SqlRow;
  /**
   * Set when every service column is a legacy column as it is (`[legacy, service]`; a legacy
   * column may feed two): the backfill may then seed it in SQL (COPY).
   */
  renames?: ReadonlyArray<readonly [legacy: string, service: string]>;
};

/** What the sync knows of one domain: its tables (parents first) and its projections. */
export type DomainTranslator = {
  domain: DomainName;
  tables: readonly SyncTable[];
  projections: readonly ProjectionSeed[];
};

/** A row a translator cannot carry to the other side; it goes to quarantine with this message. */
export class TranslationError extends Error {
  override name = "TranslationError";
}
