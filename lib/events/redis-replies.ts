/** One stream entry as Redis returns it: id and flat fields (null when the entry was deleted). */
export type RawEntry = [id: string, fields: string[] | null];

/** A flat `[name, value, …]` reply (XINFO) as a record. */
export function replyRecord(reply: unknown): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  if (!Array.isArray(reply)) return record;
  for (let i = 0; i + 1 < reply.length; i += 2) record[String(reply[i])] = reply[i + 1];
  return record;
}

/**
 * The streams of an XREAD/XREADGROUP reply. RESP2 (and ioredis's typed methods) give
 * `[[key, entries], …]`; a RESP3 map through `call()` arrives flat as `[key, entries, …]`.
 */
export function streamReadReply(reply: unknown): Array<{ key: string; entries: RawEntry[] }> {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const streams: Array<{ key: string; entries: RawEntry[] }> = [];
  if (Array.isArray(reply[0])) {
    for (const pair of reply as Array<[string, RawEntry[]]>) {
      streams.push({ key: String(pair[0]), entries: pair[1] ?? [] });
    }
    return streams;
  }
  for (let i = 0; i + 1 < reply.length; i += 2) {
    streams.push({ key: String(reply[i]), entries: (reply[i + 1] as RawEntry[]) ?? [] });
  }
  return streams;
}

/** The millisecond part of a stream id. */
export function idTime(id: string): number {
  return Number(id.split("-", 1)[0]);
}

/** Compares two stream ids (`ms-seq`) numerically. */
export function compareIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split("-").map(Number);
  const [bMs = 0, bSeq = 0] = b.split("-").map(Number);
  return aMs === bMs ? aSeq - bSeq : aMs - bMs;
}
