import { createHash } from "node:crypto";

/**
 * The namespace of every id Keiko derives from a source (docs/decisions/0011-data-sync.md): the
 * legacy runtime and the services compute the same id for the same fact, so a derived row
 * computed on both sides converges on one row instead of two.
 */
export const KEIKO_DERIVED_ID_NAMESPACE = "165b37f2-6036-4219-8758-5886e6756a59";

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * RFC 9562 UUIDv5: SHA-1 of the namespace's 16 bytes then the name's UTF-8 bytes, first 16
 * bytes, with version 5 and the RFC variant. Written here because the `uuid` package is not a
 * dependency and node:crypto offers only v4.
 */
export function uuidV5(name: string, namespace: string): string {
  if (!UUID_PATTERN.test(namespace)) throw new TypeError(`not a UUID: ${namespace}`);
  const bytes = createHash("sha1")
    .update(Buffer.from(namespace.replace(/-/g, ""), "hex"))
    .update(name, "utf8")
    .digest()
    .subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `registration:<user id>`: what a user's registration passport entry is derived from. */
export function registrationSourceKey(userId: string): string {
  return `registration:${userId}`;
}

/** `interaction:<interaction id>`: what an interaction's passport entry is derived from. */
export function interactionSourceKey(interactionId: string): string {
  return `interaction:${interactionId}`;
}

/** The id of a row derived from `sourceKey`, the same on every side. */
export function derivedId(sourceKey: string): string {
  return uuidV5(sourceKey, KEIKO_DERIVED_ID_NAMESPACE);
}
