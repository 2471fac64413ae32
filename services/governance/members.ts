import { eq } from "drizzle-orm";
import type { UserRegisteredData } from "@/lib/contracts/identity";
import type { EventsTransaction } from "@/lib/events/events-database";
import { HttpError } from "@/lib/http/http-error";
import { members } from "./schema";

/**
 * Makes a registered user a member; a member stays as it is, so the same registration delivered
 * twice (or replayed under a new event id) has one effect.
 */
export async function rememberMember(
  tx: EventsTransaction,
  user: UserRegisteredData,
): Promise<void> {
  await tx
    .insert(members)
    .values({ userId: user.user_id, roles: user.roles, registeredAt: new Date(user.registered_at) })
    .onConflictDoNothing();
}

/** 422 [`unknown_user`] unless `userId` is a member; `who` names the field for the message. */
export async function requireMember(
  tx: EventsTransaction,
  userId: string,
  who: "proposer" | "voter",
): Promise<void> {
  const [row] = await tx
    .select({ userId: members.userId })
    .from(members)
    .where(eq(members.userId, userId));
  if (!row) {
    throw new HttpError("unprocessable", `the ${who} ${userId} is not a registered user`, {
      reason: "unknown_user",
    });
  }
}
