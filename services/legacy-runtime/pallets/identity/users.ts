import { and, asc, eq, sql } from "drizzle-orm";
import type { z } from "zod";
import type { EventMetadata } from "@/lib/contracts/events/envelope";
import {
  type ListUsersQuerySchema,
  type RegisterUserBody,
  USER_REGISTERED_V1,
  type User,
} from "@/lib/contracts/identity";
import {
  type EffectPlacement,
  effectsLegacyApplies,
  withEffectsApplied,
} from "@/lib/data-sync/placement";
import { afterCursor, pageOfRows } from "@/lib/db/keyset-paging";
import { HttpError } from "@/lib/http/http-error";
import { emit, type LegacyDb } from "../../runtime";
import { users } from "../../schema/identity";
import { openPassport } from "../passport/entries";

type UserRow = typeof users.$inferSelect;

function toUser(row: UserRow): User {
  return {
    id: row.id,
    did: row.did,
    displayName: row.displayName,
    roles: row.roles,
    createdAt: row.createdAt.toISOString(),
  };
}

/**
 * Registers a user and, in the same transaction while passport is on legacy or shadow, opens
 * their passport with a registration entry (the monolith's synchronous version of passport
 * consuming identity.UserRegistered); the event lists it in `effects_applied`.
 */
export async function registerUser(
  db: LegacyDb,
  body: RegisterUserBody,
  metadata: EventMetadata,
  placement: EffectPlacement,
): Promise<User> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(users)
      .values({
        id: body.id ?? crypto.randomUUID(),
        did: body.did,
        displayName: body.displayName,
        roles: body.roles,
      })
      .onConflictDoNothing()
      .returning();
    if (!row) {
      throw new HttpError("conflict", `the DID ${body.did} or the id is already registered`);
    }
    const effects = effectsLegacyApplies(placement, ["passport"]);
    const registered = await emit(tx, USER_REGISTERED_V1, {
      aggregateId: row.id,
      data: {
        user_id: row.id,
        did: row.did,
        display_name: row.displayName,
        roles: row.roles,
        registered_at: row.createdAt.toISOString(),
      },
      metadata: withEffectsApplied(metadata, effects),
      at: row.createdAt,
    });
    if (effects.includes("passport")) await openPassport(tx, registered);
    return toUser(row);
  });
}

export async function getUser(db: LegacyDb, id: string): Promise<User> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  if (!row) throw new HttpError("not_found", `no user ${id}`);
  return toUser(row);
}

export async function resolveDid(db: LegacyDb, did: string): Promise<User> {
  const [row] = await db.select().from(users).where(eq(users.did, did));
  if (!row) throw new HttpError("not_found", `no user with the DID ${did}`);
  return toUser(row);
}

/** Oldest first, keyset-paged on (created_at, id). */
export async function listUsers(db: LegacyDb, query: z.output<typeof ListUsersQuerySchema>) {
  const rows = await db
    .select()
    .from(users)
    .where(
      and(
        query.role ? sql`${query.role} = any(${users.roles})` : undefined,
        afterCursor(query.cursor, { at: users.createdAt, id: users.id }, "oldest-first"),
      ),
    )
    .orderBy(asc(users.createdAt), asc(users.id))
    .limit(query.limit + 1);
  return pageOfRows(rows, query.limit, toUser, (row) => row);
}
