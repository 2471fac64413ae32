import type { NodePgDatabase } from "drizzle-orm/node-postgres";

/** The drizzle handle (node-postgres) of the service database that holds outbox and inbox. */
// biome-ignore lint/suspicious/noExplicitAny: any service schema; the event code only runs SQL
export type EventsDatabase = NodePgDatabase<any>;

/** A transaction on that database, as handed to `publishInTransaction` and event handlers. */
export type EventsTransaction = Parameters<Parameters<EventsDatabase["transaction"]>[0]>[0];
