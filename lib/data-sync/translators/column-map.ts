import {
  type ProjectionSeed,
  type SqlRow,
  type SyncTable,
  type TableSide,
  TranslationError,
} from "@/lib/data-sync/sync-table";

/** One column on both sides: its name when both sides call it the same, else `[legacy, service]`. */
export type ColumnPair = string | readonly [legacy: string, service: string];

function describeSide(side: "legacy" | "service", table: TableSide): string {
  return `${side} ${table.table}`;
}

function assertRowObject(row: unknown, where: string): asserts row is SqlRow {
  if (row === null || typeof row !== "object" || Array.isArray(row)) {
    throw new TranslationError(`${where}: a row must be a JSON object`);
  }
}

function renameColumns(row: SqlRow, names: ReadonlyMap<string, string>, where: string): SqlRow {
  assertRowObject(row, where);
  const renamed: SqlRow = {};
  for (const [column, value] of Object.entries(row)) {
    const target = names.get(column);
    // A column the translator does not know would be lost on the other side: refuse it loudly.
    if (target === undefined) throw new TranslationError(`${where}: unknown column "${column}"`);
    renamed[target] = value;
  }
  return renamed;
}

/**
 * A synced table whose two sides hold the same values under the same or renamed columns. Every
 * column of both sides must be listed; a row with a column not listed throws a
 * `TranslationError`. A partial row (a key alone, as a delete carries) translates to the
 * matching partial row.
 */
export function mappedTable(spec: {
  legacy: TableSide;
  service: TableSide;
  columns: readonly ColumnPair[];
}): SyncTable {
  const toServiceNames = new Map<string, string>();
  for (const pair of spec.columns) {
    const [legacyName, serviceName] = typeof pair === "string" ? [pair, pair] : pair;
    toServiceNames.set(legacyName, serviceName);
  }
  const toLegacyNames = new Map([...toServiceNames].map(([legacy, service]) => [service, legacy]));
  spec.legacy.key.forEach((column, index) => {
    if (toServiceNames.get(column) !== spec.service.key[index]) {
      throw new Error(
        `${spec.legacy.table}: the key column ${column} does not map to ${spec.service.key[index]}`,
      );
    }
  });
  const fromLegacy = describeSide("legacy", spec.legacy);
  const fromService = describeSide("service", spec.service);
  return {
    legacy: spec.legacy,
    service: spec.service,
    toService: (row) => renameColumns(row, toServiceNames, fromLegacy),
    toLegacy: (row) => renameColumns(row, toLegacyNames, fromService),
    renames: [...toServiceNames],
  };
}

const PROBE = "\u0000column:";

/**
 * The `[legacy, service]` columns of a seed whose every output is a legacy column as it is,
 * found by running `build` on probes that name their column; undefined when any output is
 * computed (a score from hundredths): that seed is built row by row in Node.
 */
function plainColumnsOf(
  build: (column: (name: string) => unknown) => SqlRow,
): Array<readonly [string, string]> | undefined {
  let built: SqlRow;
  try {
    built = build((name) => `${PROBE}${name}`);
  } catch {
    return undefined;
  }
  const pairs: Array<readonly [string, string]> = [];
  for (const [service, value] of Object.entries(built)) {
    if (typeof value !== "string" || !value.startsWith(PROBE)) return undefined;
    pairs.push([value.slice(PROBE.length), service] as const);
  }
  return pairs;
}

/**
 * A projection seed whose `build` reads the legacy row through `column(name)`, which throws a
 * `TranslationError` for a column that is missing or null (every column a seed reads is NOT NULL
 * on the legacy side, so a null means the row is not what the seed expects).
 */
export function projectionSeed(spec: {
  legacy: TableSide;
  service: TableSide;
  build(column: (name: string) => unknown): SqlRow;
}): ProjectionSeed {
  const where = `seeding service ${spec.service.table} from legacy ${spec.legacy.table}`;
  return {
    legacy: spec.legacy,
    service: spec.service,
    renames: plainColumnsOf(spec.build),
    build(row) {
      assertRowObject(row, where);
      return spec.build((name) => {
        const value = row[name];
        if (value === null || value === undefined) {
          throw new TranslationError(`${where}: the column "${name}" is missing`);
        }
        return value;
      });
    },
  };
}
