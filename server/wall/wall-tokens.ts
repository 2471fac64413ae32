import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, gt, inArray, isNull, lt, or, sql } from "drizzle-orm";
import { recordAudit } from "@/server/audit/audit-log";
import type { ControlDb } from "@/server/db/client";
import { wallTokens } from "@/server/db/schema/wall-tokens";
import { DomainError } from "@/server/errors";
import {
  type CreateWallTokenInput,
  CreateWallTokenInputSchema,
  WallTokenSecretSchema,
} from "./wall-token-schemas";

/** What a wall token grants: the wall's read-only data, nothing else. */
export type WallAccess = { tokenId: string; name: string; expiresAt: Date };

// A kiosk's every reconnect need not rewrite its row: the last use is kept to the minute.
const LAST_USED_RESOLUTION_MS = 60_000;

/** Only this digest is stored; the secret is shown once, at creation. */
export const hashWallToken = (secret: string) => createHash("sha256").update(secret).digest("hex");

const target = (id: string) => `wall-token:${id}`;

/** Creates a token for a screen; returns its secret (never stored) once. Audited. */
export async function createWallToken(db: ControlDb, actor: string, input: CreateWallTokenInput) {
  const { name, days } = CreateWallTokenInputSchema.parse(input);
  const secret = `kw_${randomBytes(24).toString("base64url")}`;
  const expiresAt = new Date(Date.now() + days * 86_400_000);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(wallTokens)
      .values({ name, tokenHash: hashWallToken(secret), createdBy: actor, expiresAt })
      .returning({ id: wallTokens.id, name: wallTokens.name, expiresAt: wallTokens.expiresAt });
    if (!row) throw new Error("wall token insert returned no row");
    await recordAudit(tx, {
      actor,
      action: "wall-token.create",
      target: target(row.id),
      after: { name, expiresAt: expiresAt.toISOString() },
    });
    return { ...row, secret };
  });
}

/** Every token, newest first, without its digest. */
export async function listWallTokens(db: ControlDb) {
  const rows = await db
    .select({
      id: wallTokens.id,
      name: wallTokens.name,
      createdBy: wallTokens.createdBy,
      createdAt: wallTokens.createdAt,
      expiresAt: wallTokens.expiresAt,
      revokedAt: wallTokens.revokedAt,
      revokedBy: wallTokens.revokedBy,
      lastUsedAt: wallTokens.lastUsedAt,
    })
    .from(wallTokens)
    .orderBy(desc(wallTokens.createdAt))
    .limit(200);
  const now = Date.now();
  return rows.map((row) => ({
    ...row,
    status: row.revokedAt ? "revoked" : row.expiresAt.getTime() <= now ? "expired" : "active",
  }));
}

/** Revokes a token at once; its open walls are told by the watch. Audited. */
export async function revokeWallToken(db: ControlDb, actor: string, id: string) {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(wallTokens)
      .set({ revokedAt: new Date(), revokedBy: actor })
      .where(and(eq(wallTokens.id, id), isNull(wallTokens.revokedAt)))
      .returning({ id: wallTokens.id, name: wallTokens.name });
    if (!row)
      throw new DomainError("NOT_FOUND", "no active wall token has this id (already revoked?)");
    await recordAudit(tx, {
      actor,
      action: "wall-token.revoke",
      target: target(row.id),
      after: { name: row.name },
    });
    return row;
  });
}

/** The access a presented secret grants, or null (unknown, revoked, expired or malformed). */
export async function verifyWallToken(
  db: ControlDb,
  secret: string | null | undefined,
): Promise<WallAccess | null> {
  if (!secret || !WallTokenSecretSchema.safeParse(secret).success) return null;
  const [row] = await db
    .select({
      id: wallTokens.id,
      name: wallTokens.name,
      expiresAt: wallTokens.expiresAt,
      lastUsedAt: wallTokens.lastUsedAt,
    })
    .from(wallTokens)
    .where(
      and(
        eq(wallTokens.tokenHash, hashWallToken(secret)),
        isNull(wallTokens.revokedAt),
        gt(wallTokens.expiresAt, sql`now()`),
      ),
    );
  if (!row) return null;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db
      .update(wallTokens)
      .set({ lastUsedAt: new Date() })
      .where(
        and(
          eq(wallTokens.id, row.id),
          or(
            isNull(wallTokens.lastUsedAt),
            lt(wallTokens.lastUsedAt, new Date(Date.now() - LAST_USED_RESOLUTION_MS)),
          ),
        ),
      );
  }
  return { tokenId: row.id, name: row.name, expiresAt: row.expiresAt };
}

/** Which of these tokens still grant access: one query for every open wall of the process. */
export async function stillValidWallTokens(
  db: ControlDb,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .select({ id: wallTokens.id })
    .from(wallTokens)
    .where(
      and(
        inArray(wallTokens.id, [...ids]),
        isNull(wallTokens.revokedAt),
        gt(wallTokens.expiresAt, sql`now()`),
      ),
    );
  return new Set(rows.map((r) => r.id));
}
