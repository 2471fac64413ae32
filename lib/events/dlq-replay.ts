import type { Redis } from "ioredis";
import { z } from "zod";
import { StreamIdSchema } from "@/lib/events/dlq-filter";
import { replayByIdScript } from "@/lib/events/dlq-scripts";
import { deadLetterKey, eventStreamKey } from "@/lib/events/stream-keys";
import type { EventParser, TransportEvent } from "@/lib/events/transport-event";
import { describeParseFailure } from "@/lib/events/transport-event";

/** What a replay of chosen entries did: new stream ids per replayed entry, ids already gone. */
export interface ReplayResult {
  replayed: Array<{ id: string; streamId: string }>;
  /** Gone before the replay (replayed or purged by someone else): nothing was done. */
  missing: string[];
  /** Entries that name another stream than this aggregate type's (left in place). */
  skipped: string[];
}

const IDS_PER_SCRIPT = 500;

function collect(ids: readonly string[], replies: readonly string[], into: ReplayResult): void {
  ids.forEach((id, index) => {
    const reply = replies[index] ?? "";
    if (reply === "") into.missing.push(id);
    else if (reply === "!") into.skipped.push(id);
    else into.replayed.push({ id, streamId: reply });
  });
}

/**
 * Moves dead letters back to `<prefix>events:<aggregate_type>` (every group sees them again;
 * those that processed them already skip them through their inbox). Each move and the XDEL from
 * the dead-letter queue happen in one Lua script, atomically; replay_count goes up by one.
 */
export async function replayDeadLetters(
  redis: Redis,
  prefix: string,
  aggregateType: string,
  ids: readonly string[],
): Promise<ReplayResult> {
  for (const id of ids) StreamIdSchema.parse(id);
  const keys = [deadLetterKey(prefix, aggregateType), eventStreamKey(prefix, aggregateType)];
  const result: ReplayResult = { replayed: [], missing: [], skipped: [] };
  for (let i = 0; i < ids.length; i += IDS_PER_SCRIPT) {
    const chunk = ids.slice(i, i + IDS_PER_SCRIPT);
    const replies = (await replayByIdScript.run(redis, keys, [
      "as-is",
      "",
      "",
      "",
      ...chunk,
    ])) as string[];
    collect(chunk, replies, result);
  }
  return result;
}

/** Replays one dead letter; see `replayDeadLetters`. Null when it is gone. */
export async function replayDeadLetter(
  redis: Redis,
  prefix: string,
  aggregateType: string,
  id: string,
): Promise<{ streamId: string } | null> {
  const result = await replayDeadLetters(redis, prefix, aggregateType, [id]);
  const replayed = result.replayed[0];
  if (result.skipped.length > 0) throw new Error(`dead letter ${id} names another stream`);
  return replayed ? { streamId: replayed.streamId } : null;
}

/** An operator's corrected payload for one dead letter. */
export const EditedPayloadSchema = z.string().min(2).max(1_000_000);

/** Thrown when an edited payload does not pass the envelope contract; nothing was replayed. */
export class InvalidEditedPayloadError extends Error {
  override name = "InvalidEditedPayloadError";
}

/**
 * Edit-then-replay: checks the corrected payload (JSON, then `parseEnvelope`) and replaces the
 * entry's payload, event id and type with it in the same atomic move as `replayDeadLetters`.
 * Null when the entry is gone.
 */
export async function editAndReplayDeadLetter(
  redis: Redis,
  prefix: string,
  aggregateType: string,
  id: string,
  payload: string,
  parseEnvelope: EventParser<TransportEvent>,
): Promise<{ streamId: string; event: TransportEvent } | null> {
  StreamIdSchema.parse(id);
  EditedPayloadSchema.parse(payload);
  let raw: unknown;
  try {
    raw = JSON.parse(payload);
  } catch (error) {
    throw new InvalidEditedPayloadError(`not valid JSON: ${(error as Error).message}`);
  }
  const parsed = parseEnvelope(raw);
  if (!parsed.ok) throw new InvalidEditedPayloadError(describeParseFailure(parsed.error));
  if (parsed.event.aggregate_type !== aggregateType) {
    throw new InvalidEditedPayloadError(
      `aggregate_type ${parsed.event.aggregate_type} does not belong on events:${aggregateType}`,
    );
  }
  const keys = [deadLetterKey(prefix, aggregateType), eventStreamKey(prefix, aggregateType)];
  const [reply = ""] = (await replayByIdScript.run(redis, keys, [
    "edit",
    parsed.event.event_id,
    parsed.event.event_type,
    JSON.stringify(raw),
    id,
  ])) as string[];
  if (reply === "") return null;
  if (reply === "!") throw new Error(`dead letter ${id} names another stream`);
  return { streamId: reply, event: parsed.event };
}
