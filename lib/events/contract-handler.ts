import type { EventContract, EventOf } from "@/lib/contracts/events/define-event";
import { contractEventParser } from "@/lib/events/contract-parsers";
import {
  defineEventHandler,
  type EventHandler,
  type HandlerContext,
} from "@/lib/events/event-handler";

/**
 * A handler of one event contract (type and version): the event is checked against the contract
 * before `handle` sees it, typed; a mismatch goes to the dead-letter queue at once.
 */
export function defineContractHandler<C extends EventContract>(
  contract: C,
  handle: (event: EventOf<C>, context: HandlerContext) => Promise<void>,
): EventHandler {
  const parse = contractEventParser(contract);
  return defineEventHandler({ eventType: contract.type, parse, handle });
}
