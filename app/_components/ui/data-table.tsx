import type { ReactNode } from "react";

export type Column<Row> = {
  header: ReactNode;
  cell: (row: Row) => ReactNode;
  /** Classes of the header and the cells of this column: alignment, width. */
  className?: string;
  /** Classes of the body cells only (font, colour, truncation), so the header keeps its look. */
  cellClassName?: string;
};

/** The console's one table: bordered, striped by dividers, a line when there is nothing to show. */
export function DataTable<Row>(props: {
  columns: readonly Column<Row>[];
  rows: readonly Row[] | undefined;
  rowKey: (row: Row) => string | number;
  /** Shown in place of rows when the list is empty (not while loading). */
  empty: ReactNode;
  testId?: string;
  /** Extra classes per row, e.g. to mark a selected one. */
  rowClassName?: (row: Row) => string;
  onRowClick?: (row: Row) => void;
  rowTestId?: (row: Row) => string;
  /** Without its own border and rounding, for a table nested in a card that has them. */
  bare?: boolean;
  /** Under the rows, inside the table's border: a pager, a total. */
  footer?: ReactNode;
}) {
  const { columns, rows } = props;
  return (
    <div
      className={
        props.bare ? "overflow-x-auto" : "overflow-x-auto rounded-xl border border-slate-800"
      }
    >
      <table className="w-full text-sm">
        <thead className="bg-slate-900 text-left text-xs uppercase tracking-wide text-slate-400">
          <tr>
            {columns.map((column, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: columns are static per table
              <th key={index} className={`px-4 py-3 ${column.className ?? ""}`}>
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-800" data-testid={props.testId}>
          {rows?.map((row) => (
            <tr
              key={props.rowKey(row)}
              data-testid={props.rowTestId?.(row)}
              className={`align-top ${props.onRowClick ? "cursor-pointer hover:bg-slate-900/60" : ""} ${props.rowClassName?.(row) ?? ""}`}
              onClick={props.onRowClick && (() => props.onRowClick?.(row))}
            >
              {columns.map((column, index) => (
                <td
                  // biome-ignore lint/suspicious/noArrayIndexKey: columns are static per table
                  key={index}
                  className={`px-4 py-2 ${column.className ?? ""} ${column.cellClassName ?? ""}`}
                >
                  {column.cell(row)}
                </td>
              ))}
            </tr>
          ))}
          {rows?.length === 0 && (
            <tr>
              <td colSpan={columns.length} className="px-4 py-6 text-center text-slate-400">
                {props.empty}
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {props.footer && <div className="border-t border-slate-800 px-3">{props.footer}</div>}
    </div>
  );
}
