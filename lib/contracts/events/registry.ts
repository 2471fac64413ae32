import type { z } from "zod";
import type { EventContract, EventOf } from "@/lib/contracts/events/define-event";
import { EventEnvelopeSchema } from "@/lib/contracts/events/envelope";
import { describeIssues, type FormattedIssue, formatIssues } from "@/lib/contracts/format-issues";
import { PROPOSAL_DECIDED_V1 } from "@/lib/contracts/governance";
import { USER_REGISTERED_V1 } from "@/lib/contracts/identity";
import { INTERACTION_CREATED_V1 } from "@/lib/contracts/learning";
import { SESSION_COMPLETED_V1 } from "@/lib/contracts/marketplace";
import { ENTRY_ADDED_V1 } from "@/lib/contracts/passport";
import { SCORE_CHANGED_V1 } from "@/lib/contracts/reputation";

/** Every event type and version the platform knows; add a new version beside the old one. */
export const EVENT_CONTRACTS = [
  USER_REGISTERED_V1,
  INTERACTION_CREATED_V1,
  SCORE_CHANGED_V1,
  ENTRY_ADDED_V1,
  PROPOSAL_DECIDED_V1,
  SESSION_COMPLETED_V1,
] as const;

type KnownContract = (typeof EVENT_CONTRACTS)[number];
type Distribute<C> = C extends EventContract ? EventOf<C> : never;

/** Any known event, narrowed by `event_type` (and `event_version`) to its typed `data`. */
export type KnownEvent = Distribute<KnownContract>;
export type KnownEventType = KnownContract["type"];

const byKey = new Map<string, EventContract>();
for (const contract of EVENT_CONTRACTS) {
  const key = `${contract.type}@${contract.version}`;
  if (byKey.has(key)) throw new Error(`event contract ${key} is defined twice`);
  byKey.set(key, contract);
}

/** The contract of one event type and version, or undefined. */
export function findEventContract(type: string, version: number): EventContract | undefined {
  return byKey.get(`${type}@${version}`);
}

export type ParseEventFailureReason =
  | "invalid_json"
  | "invalid_envelope"
  | "unknown_event_type"
  | "unknown_event_version"
  | "aggregate_type_mismatch"
  | "invalid_data";

/** Why an event was refused; what a consumer writes to the dead-letter queue. */
export type ParseEventFailure = {
  reason: ParseEventFailureReason;
  message: string;
  issues?: FormattedIssue[];
  /** Whatever could be read of the event, to find it again. */
  eventId?: string;
  eventType?: string;
};

export type ParseEventResult =
  | { ok: true; event: KnownEvent }
  | { ok: false; error: ParseEventFailure };

function peek(raw: unknown, key: string): string | undefined {
  if (raw === null || typeof raw !== "object") return undefined;
  const value = (raw as Record<string, unknown>)[key];
  return typeof value === "string" ? value : undefined;
}

function failure(
  raw: unknown,
  reason: ParseEventFailureReason,
  message: string,
  issues?: readonly z.core.$ZodIssue[],
  prefix?: string,
): ParseEventResult {
  const error: ParseEventFailure = { reason, message };
  if (issues) error.issues = formatIssues(issues, prefix);
  const eventId = peek(raw, "event_id");
  const eventType = peek(raw, "event_type");
  if (eventId) error.eventId = eventId;
  if (eventType) error.eventType = eventType;
  return { ok: false, error };
}

/**
 * Parses an event read from a stream (JSON text or an already parsed value): the envelope, then
 * `data` against the schema of its type and version. Never throws; a failure says why, so the
 * consumer can route the event to the dead-letter queue at once.
 */
export function parseEvent(raw: unknown): ParseEventResult {
  let value = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch (error) {
      return failure(undefined, "invalid_json", `not valid JSON: ${(error as Error).message}`);
    }
  }
  const envelope = EventEnvelopeSchema.safeParse(value);
  if (!envelope.success) {
    const message = `invalid event envelope: ${describeIssues(envelope.error.issues)}`;
    return failure(value, "invalid_envelope", message, envelope.error.issues);
  }
  const { event_type: type, event_version: version, aggregate_type } = envelope.data;
  const contract = findEventContract(type, version);
  if (!contract) {
    const known = EVENT_CONTRACTS.filter((c) => c.type === type).map((c) => c.version);
    return known.length === 0
      ? failure(value, "unknown_event_type", `unknown event type ${type}`)
      : failure(
          value,
          "unknown_event_version",
          `unknown version ${version} of ${type}; known versions: ${known.join(", ")}`,
        );
  }
  if (aggregate_type !== contract.aggregateType) {
    const message = `${type} must have aggregate_type ${contract.aggregateType}, not ${aggregate_type}`;
    return failure(value, "aggregate_type_mismatch", message);
  }
  const data = contract.data.safeParse(envelope.data.data);
  if (!data.success) {
    const message = `invalid data of ${type} v${version}: ${describeIssues(data.error.issues, "data")}`;
    return failure(value, "invalid_data", message, data.error.issues, "data");
  }
  return { ok: true, event: { ...envelope.data, data: data.data } as KnownEvent };
}
