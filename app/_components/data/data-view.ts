import type { RouterOutputs } from "../router-types";

type Outputs = RouterOutputs;

/** A domain's data status as `data.status` returns it. */
export type DataStatusView = NonNullable<Outputs["data"]["status"]>;
export type DirectionView = DataStatusView["directions"][number];
export type VerificationView = NonNullable<DataStatusView["lastVerification"]>;
export type QuarantineEntryView = Outputs["data"]["quarantine"]["items"][number];
export type ConflictView = Outputs["data"]["conflicts"]["items"][number];

/** A row image as the sync keeps it (`to_jsonb` of the row). */
export type RowImage = Record<string, unknown>;

/** One difference a verification kept: table, key, kind and both images. */
export type DifferenceView = {
  table: string;
  key: RowImage;
  kind: string;
  legacy: RowImage | null;
  service: RowImage | null;
};

function isImage(value: unknown): value is RowImage {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The differences stored in a verification's `details` (jsonb), skipping what is not one. */
export function differencesOf(details: readonly unknown[]): DifferenceView[] {
  return details.flatMap((item) => {
    if (!isImage(item) || typeof item.table !== "string" || !isImage(item.key)) return [];
    return [
      {
        table: item.table,
        key: item.key,
        kind: typeof item.kind === "string" ? item.kind : "different",
        legacy: isImage(item.legacy) ? item.legacy : null,
        service: isImage(item.service) ? item.service : null,
      },
    ];
  });
}

/** A stored image (jsonb, typed unknown) as an object, or null. */
export function imageOf(value: unknown): RowImage | null {
  return isImage(value) ? value : null;
}
