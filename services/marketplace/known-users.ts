import { eq } from "drizzle-orm";
import type { UserRegisteredData } from "@/lib/contracts/identity";
import type { EventsTransaction } from "@/lib/events/events-database";
import { knownUsers } from "./schema";

/**
 * Remembers a registered user; a user already known is left as it is, so the same registration
 * delivered twice (or replayed under a new event id) has one effect.
 */
export async function rememberUser(tx: EventsTransaction, user: UserRegisteredData): Promise<void> {
  await tx
    .insert(knownUsers)
    .values({ userId: user.user_id, roles: user.roles, registeredAt: new Date(user.registered_at) })
    .onConflictDoNothing();
}

/** The known user, or undefined if the marketplace never heard of it. */
export async function findKnownUser(tx: EventsTransaction, userId: string) {
  const [row] = await tx.select().from(knownUsers).where(eq(knownUsers.userId, userId));
  return row;
}
