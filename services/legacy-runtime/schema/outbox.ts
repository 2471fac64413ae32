import { defineOutboxTable } from "@/lib/events/outbox-tables";

/** The runtime's outbox: while a domain is on legacy, the monolith produces its events. */
export const outbox = defineOutboxTable();
