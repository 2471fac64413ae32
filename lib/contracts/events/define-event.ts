import type { z } from "zod";
import type { EventEnvelope } from "@/lib/contracts/events/envelope";

/** One version of one event type: its aggregate and the schema of its `data`. */
export interface EventContract<
  T extends string = string,
  V extends number = number,
  S extends z.ZodType = z.ZodType,
> {
  readonly type: T;
  readonly version: V;
  /** Also names the stream: `events:<aggregateType>`. */
  readonly aggregateType: string;
  readonly summary: string;
  readonly data: S;
}

/** Declares an event contract with its literal type and version kept in the type. */
export function defineEvent<const T extends string, const V extends number, S extends z.ZodType>(
  contract: EventContract<T, V, S>,
): EventContract<T, V, S> {
  return contract;
}

/** The typed envelope of an event of contract `C`. */
export type EventOf<C extends EventContract> = Omit<
  EventEnvelope,
  "event_type" | "event_version" | "data"
> & {
  event_type: C["type"];
  event_version: C["version"];
  data: z.output<C["data"]>;
};
