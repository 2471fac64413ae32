import { DataTable } from "../ui/data-table";
import { formatValue } from "./data-format";
import type { RowImage } from "./data-view";

function pretty(image: RowImage | null): string {
  return image === null ? "(no row)" : JSON.stringify(image, null, 2);
}

/** Top-level columns whose values differ between the two images (all of them if one is absent). */
function differingColumns(legacy: RowImage | null, service: RowImage | null): string[] {
  const columns = new Set([...Object.keys(legacy ?? {}), ...Object.keys(service ?? {})]);
  return [...columns].filter(
    (column) => JSON.stringify(legacy?.[column]) !== JSON.stringify(service?.[column]),
  );
}

/**
 * Two images of one row, legacy and service, the way the parity report shows answers: the
 * columns that differ, then both whole images side by side.
 */
export function ImageDiff(props: {
  legacy: RowImage | null;
  service: RowImage | null;
  legacyLabel?: string;
  serviceLabel?: string;
  open?: boolean;
}) {
  const { legacy, service } = props;
  const legacyLabel = props.legacyLabel ?? "Legacy";
  const serviceLabel = props.serviceLabel ?? "Service";
  const columns = legacy && service ? differingColumns(legacy, service) : [];
  return (
    <div className="space-y-2">
      {legacy && service ? (
        columns.length > 0 ? (
          <DataTable
            bare
            columns={[
              {
                header: "Column",
                className: "w-1/4",
                cellClassName: "break-all font-mono text-xs text-slate-300",
                cell: (column) => column,
              },
              {
                header: legacyLabel,
                cellClassName: "break-all font-mono text-xs text-rose-200",
                cell: (column) => formatValue(legacy[column]),
              },
              {
                header: serviceLabel,
                cellClassName: "break-all font-mono text-xs text-emerald-200",
                cell: (column) => formatValue(service[column]),
              },
            ]}
            rows={columns}
            rowKey={(column) => column}
            empty="Both images are equal column by column."
          />
        ) : (
          <p className="text-xs text-slate-400">Both images are equal column by column.</p>
        )
      ) : (
        <p className="text-xs text-slate-400">
          {legacy === null && service === null
            ? "Neither side has the row."
            : legacy === null
              ? "Legacy has no such row: only the service has it."
              : "The service has no such row: only legacy has it."}
        </p>
      )}
      <details className="text-xs" open={props.open}>
        <summary className="cursor-pointer text-slate-400">Both images side by side</summary>
        <div className="mt-2 grid gap-2 md:grid-cols-2">
          <figure className="min-w-0">
            <figcaption className="mb-1 text-slate-500">{legacyLabel}</figcaption>
            <pre className="max-h-72 overflow-auto rounded bg-slate-950 p-2 text-slate-300">
              {pretty(legacy)}
            </pre>
          </figure>
          <figure className="min-w-0">
            <figcaption className="mb-1 text-slate-500">{serviceLabel}</figcaption>
            <pre className="max-h-72 overflow-auto rounded bg-slate-950 p-2 text-slate-300">
              {pretty(service)}
            </pre>
          </figure>
        </div>
      </details>
    </div>
  );
}
