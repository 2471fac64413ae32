import type { EventContract, EventOf } from "@/lib/contracts/events/define-event";
import { parseEvent } from "@/lib/contracts/events/registry";
import { describeIssues } from "@/lib/contracts/format-issues";
import type { EventParser, TransportEvent } from "@/lib/events/transport-event";

/**
 * The envelope parser consumers use by default: the platform's event contracts (envelope, then
 * `data` by type and version). An unknown type or bad data is a parse failure: DLQ at once.
 */
export const parseContractEnvelope: EventParser<TransportEvent> = (raw) => parseEvent(raw);

/**
 * The parser of one handler: the event must be exactly this contract's type and version, with
 * data that passes its schema (parsed again, so defaults and transforms apply).
 */
export function contractEventParser<C extends EventContract>(contract: C): EventParser<EventOf<C>> {
  return (raw) => {
    const event = raw as Partial<TransportEvent> & { event_version?: unknown; data?: unknown };
    if (event.event_type !== contract.type || event.event_version !== contract.version) {
      return {
        ok: false,
        error: {
          reason: "unexpected_event",
          message: `expected ${contract.type} v${contract.version}, got ${String(event.event_type)} v${String(event.event_version)}`,
        },
      };
    }
    const data = contract.data.safeParse(event.data);
    if (!data.success) {
      return {
        ok: false,
        error: { reason: "invalid_data", message: describeIssues(data.error.issues, "data") },
      };
    }
    return { ok: true, event: { ...(raw as EventOf<C>), data: data.data as EventOf<C>["data"] } };
  };
}
