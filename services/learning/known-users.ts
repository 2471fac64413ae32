import { inArray } from "drizzle-orm";
import type { UserRegisteredData } from "@/lib/contracts/identity";
import type { EventsTransaction } from "@/lib/events/events-database";
import { knownUsers } from "./schema";

/**
 * Remembers a registered user; a user already known is left as it is, so the same registration
 * delivered twice (or replayed from the dead-letter queue) has one effect.
 */
export async function rememberUser(tx: EventsTransaction, user: UserRegisteredData): Promise<void> {
  await tx
    .insert(knownUsers)
    .values({
      userId: user.user_id,
      roles: user.roles,
      registeredAt: new Date(user.registered_at),
    })
    .onConflictDoNothing();
}

/** Which of `userIds` learning has never heard of, in the order given. */
export async function unknownUsers(
  tx: EventsTransaction,
  userIds: readonly string[],
): Promise<string[]> {
  const rows = await tx
    .select({ userId: knownUsers.userId })
    .from(knownUsers)
    .where(inArray(knownUsers.userId, [...userIds]));
  const known = new Set(rows.map((row) => row.userId));
  return userIds.filter((id) => !known.has(id));
}
