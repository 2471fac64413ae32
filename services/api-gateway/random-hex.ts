import { randomFillSync } from "node:crypto";

// One getrandom call per 4 KiB of ids instead of one per id (trace and span ids on every call).
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

/** `bytes` cryptographically random bytes as lowercase hex, drawn from a refilled pool. */
export function randomHex(bytes: number): string {
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString("hex", offset, offset + bytes);
  offset += bytes;
  return hex;
}
