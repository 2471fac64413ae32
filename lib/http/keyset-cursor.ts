import { HttpError } from "@/lib/http/http-error";

/** A position in a list ordered by (created_at, id): opaque to clients, stable under inserts. */
export type KeysetPosition = { createdAt: Date; id: string };

export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(`${position.createdAt.toISOString()}|${position.id}`).toString("base64url");
}

/** Reads a cursor from a client; a tampered one is a 400, never a crash. */
export function decodeCursor(cursor: string | undefined): KeysetPosition | undefined {
  if (cursor === undefined) return undefined;
  const [at, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const createdAt = new Date(at ?? "");
  if (!id || Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/i.test(id)) {
    throw new HttpError("bad_request", "cursor is not one this service handed out");
  }
  return { createdAt, id };
}
