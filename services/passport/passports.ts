import { eq, sql } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { UserRole } from "@/lib/contracts/identity";
import type { EventsDatabase, EventsTransaction } from "@/lib/events/events-database";
import { HttpError } from "@/lib/http/http-error";
import { passports } from "./schema";

export type PassportDb = NodePgDatabase;

type Reader = EventsDatabase | EventsTransaction;

export async function findPassport(db: Reader, userId: string) {
  const [row] = await db.select().from(passports).where(eq(passports.userId, userId));
  return row;
}

/** The user's passport row; 404 if the user is unknown to the passport. */
export async function requirePassport(db: Reader, userId: string) {
  const row = await findPassport(db, userId);
  if (!row) throw new HttpError("not_found", `no passport for the user ${userId}`);
  return row;
}

/**
 * Opens a user's passport if it is not open. `roles` (from the registration) are recorded on a
 * passport that has none yet (one an interaction opened); the first registration wins.
 */
export async function openPassport(
  tx: EventsTransaction,
  userId: string,
  roles?: readonly UserRole[],
): Promise<void> {
  const insert = tx.insert(passports).values({ userId, roles: roles ? [...roles] : [] });
  await (roles
    ? insert.onConflictDoUpdate({
        target: passports.userId,
        set: { roles: [...roles] },
        setWhere: sql`cardinality(${passports.roles}) = 0`,
      })
    : insert.onConflictDoNothing());
}
