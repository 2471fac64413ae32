import { createEvent } from "@/lib/contracts/events/create-event";
import type { EventMetadata } from "@/lib/contracts/events/envelope";
import { USER_REGISTERED_V1, type UserRole } from "@/lib/contracts/identity";

/** What a test may choose about the `identity.UserRegistered` event it builds. */
export type UserRegisteredEventOptions = {
  /** Defaults to `["student"]`. */
  roles?: UserRole[];
  /** Defaults to `"Seeded"`. */
  displayName?: string;
  /** Defaults to a new UUID (see createEvent). */
  eventId?: string;
  /** Defaults to a fresh correlation id with producer `identity`. */
  metadata?: EventMetadata;
};

/**
 * A valid `identity.UserRegistered` v1 event (lib/contracts/identity.ts) for `userId`, as
 * identity would publish it: a DID derived from the id, registered now. Consuming services learn
 * their users from it, so tests deliver it before referring to a user.
 */
export function userRegisteredEvent(userId: string, options: UserRegisteredEventOptions = {}) {
  return createEvent(USER_REGISTERED_V1, {
    aggregateId: userId,
    eventId: options.eventId,
    data: {
      user_id: userId,
      did: `did:key:z6Mk${userId.replace(/-/g, "")}`,
      display_name: options.displayName ?? "Seeded",
      roles: options.roles ?? ["student"],
      registered_at: new Date().toISOString(),
    },
    metadata: options.metadata ?? { correlation_id: crypto.randomUUID(), producer: "identity" },
  });
}
