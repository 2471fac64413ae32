import { z } from "zod";

/** Lower snake_case, as the envelope requires; it becomes part of Redis key names. */
export const AggregateTypeSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, "aggregate_type must be lower snake_case, e.g. user");
export type AggregateType = z.infer<typeof AggregateTypeSchema>;

/** A key prefix shared by every key of one deployment or one test, e.g. `keiko:` or `t-ab12:`. */
export const KeyPrefixSchema = z
  .string()
  .max(100)
  .regex(/^[A-Za-z0-9:_.-]*$/, "the key prefix may use letters, digits and : _ . - only");

/** The stream of one aggregate type's domain events: `<prefix>events:<aggregate_type>`. */
export function eventStreamKey(prefix: string, aggregateType: string): string {
  return `${prefix}events:${aggregateType}`;
}

/** The dead-letter stream of one aggregate type: `<prefix>dlq:events:<aggregate_type>`. */
export function deadLetterKey(prefix: string, aggregateType: string): string {
  return `${prefix}dlq:events:${aggregateType}`;
}

/**
 * The hash of the last error of each still-pending entry of one group on one stream; it lets any
 * consumer that gives up on an entry put the real error into the dead-letter entry.
 */
export function failureHashKey(prefix: string, aggregateType: string, group: string): string {
  return `${prefix}failures:events:${aggregateType}:${group}`;
}

/** The aggregate type named by an event stream key of this prefix, or null for any other key. */
export function aggregateTypeOfStream(prefix: string, key: string): string | null {
  const head = `${prefix}events:`;
  if (!key.startsWith(head)) return null;
  const rest = key.slice(head.length);
  return AggregateTypeSchema.safeParse(rest).success ? rest : null;
}

/** The aggregate type named by a dead-letter key of this prefix, or null for any other key. */
export function aggregateTypeOfDeadLetterKey(prefix: string, key: string): string | null {
  const head = `${prefix}dlq:events:`;
  if (!key.startsWith(head)) return null;
  const rest = key.slice(head.length);
  return AggregateTypeSchema.safeParse(rest).success ? rest : null;
}
