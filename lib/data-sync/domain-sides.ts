import type pg from "pg";
import type { Direction } from "./control-store";
import { TableColumns } from "./row-writer";
import type { DomainTranslator, SqlRow, SyncTable, TableSide } from "./sync-table";

/** Both databases of one domain, its translator and keiko_control: what every sync step needs. */
export type DomainSides = {
  translator: DomainTranslator;
  control: pg.Pool;
  legacy: pg.Pool;
  service: pg.Pool;
  legacyColumns: TableColumns;
  serviceColumns: TableColumns;
};

export function domainSides(
  translator: DomainTranslator,
  pools: { control: pg.Pool; legacy: pg.Pool; service: pg.Pool },
  columns?: { legacy: TableColumns; service: TableColumns },
): DomainSides {
  return {
    translator,
    ...pools,
    legacyColumns: columns?.legacy ?? new TableColumns(pools.legacy),
    serviceColumns: columns?.service ?? new TableColumns(pools.service),
  };
}

/** One direction seen from its ends: where changes are read, where they are written, how translated. */
export type DirectionEnds = {
  direction: Direction;
  source: pg.Pool;
  target: pg.Pool;
  targetColumns: TableColumns;
  sourceSide(table: SyncTable): TableSide;
  targetSide(table: SyncTable): TableSide;
  translate(table: SyncTable, row: SqlRow): SqlRow;
  /** Which side's write this direction carries, for conflicts. */
  sourceName: "legacy" | "service";
};

export function endsOf(sides: DomainSides, direction: Direction): DirectionEnds {
  if (direction === "legacy_to_service") {
    return {
      direction,
      source: sides.legacy,
      target: sides.service,
      targetColumns: sides.serviceColumns,
      sourceSide: (table) => table.legacy,
      targetSide: (table) => table.service,
      translate: (table, row) => table.toService(row),
      sourceName: "legacy",
    };
  }
  return {
    direction,
    source: sides.service,
    target: sides.legacy,
    targetColumns: sides.legacyColumns,
    sourceSide: (table) => table.service,
    targetSide: (table) => table.legacy,
    translate: (table, row) => table.toLegacy(row),
    sourceName: "service",
  };
}

/** The key columns of `side` picked from `row`, in key order (the capture trigger's row_key shape). */
export function keyOf(side: TableSide, row: SqlRow): SqlRow {
  return Object.fromEntries(side.key.map((column) => [column, row[column]]));
}

/** A row key as a string that does not depend on the order of its columns (jsonb sorts them). */
export function keyString(key: SqlRow): string {
  return JSON.stringify(
    Object.keys(key)
      .sort()
      .map((column) => [column, key[column]]),
  );
}
