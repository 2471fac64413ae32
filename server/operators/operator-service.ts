import { asc, eq, sql } from "drizzle-orm";
import type { OperatorRole } from "@/lib/contracts/operators";
import { recordAudit } from "@/server/audit/audit-log";
import { decoyHash, hashPassword, verifyPassword } from "@/server/auth/password";
import type { ControlDb } from "@/server/db/client";
import { operators } from "@/server/db/schema/operators";
import { DomainError } from "@/server/errors";

/** What the rest of the control plane knows of a signed-in person. */
export type Operator = { id: string; username: string; displayName: string; role: OperatorRole };

const publicColumns = {
  id: operators.id,
  username: operators.username,
  displayName: operators.displayName,
  role: operators.role,
  disabled: operators.disabled,
  createdAt: operators.createdAt,
  lastLoginAt: operators.lastLoginAt,
};

export async function listOperators(db: ControlDb) {
  return db.select(publicColumns).from(operators).orderBy(asc(operators.username));
}

/** The active operator with this id, or null if unknown or disabled (sessions end at once). */
export async function findActiveOperator(db: ControlDb, id: string): Promise<Operator | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const [row] = await db.select(publicColumns).from(operators).where(eq(operators.id, id));
  if (!row || row.disabled) return null;
  return { id: row.id, username: row.username, displayName: row.displayName, role: row.role };
}

/** Checks a username and password; null on any failure, in the same time either way. */
export async function verifyCredentials(
  db: ControlDb,
  username: string,
  password: string,
): Promise<Operator | null> {
  const [row] = await db.select().from(operators).where(eq(operators.username, username));
  const ok = await verifyPassword(row?.passwordHash ?? (await decoyHash()), password);
  if (!row?.passwordHash || !ok || row.disabled) return null;
  await db.update(operators).set({ lastLoginAt: sql`now()` }).where(eq(operators.id, row.id));
  return { id: row.id, username: row.username, displayName: row.displayName, role: row.role };
}

/**
 * Matches an SSO sign-in to an operator by username, creating a new one with `defaultRole` the
 * first time. Returns null for a disabled operator.
 */
export async function signInWithOidc(
  db: ControlDb,
  username: string,
  displayName: string,
  defaultRole: OperatorRole,
): Promise<Operator | null> {
  const [existing] = await db
    .select(publicColumns)
    .from(operators)
    .where(eq(operators.username, username));
  if (existing) {
    if (existing.disabled) return null;
    await db
      .update(operators)
      .set({ lastLoginAt: sql`now()` })
      .where(eq(operators.id, existing.id));
    return { id: existing.id, username, displayName: existing.displayName, role: existing.role };
  }
  return db.transaction(async (tx) => {
    const [created] = await tx
      .insert(operators)
      .values({ username, displayName, role: defaultRole, lastLoginAt: sql`now()` })
      .returning(publicColumns);
    if (!created) throw new DomainError("CONFLICT", `could not create operator ${username}`);
    await recordAudit(tx, {
      actor: "oidc",
      action: "operator.create",
      target: `operator:${username}`,
      after: { role: created.role, displayName, via: "oidc" },
    });
    return { id: created.id, username, displayName, role: created.role };
  });
}

export type NewOperator = {
  username: string;
  displayName: string;
  role: OperatorRole;
  password: string;
};

export async function createOperator(db: ControlDb, actor: string, input: NewOperator) {
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const [created] = await tx
      .insert(operators)
      .values({ ...input, passwordHash })
      .onConflictDoNothing({ target: operators.username })
      .returning(publicColumns);
    if (!created) {
      throw new DomainError("CONFLICT", `an operator named ${input.username} already exists`);
    }
    await recordAudit(tx, {
      actor,
      action: "operator.create",
      target: `operator:${created.username}`,
      after: { role: created.role, displayName: created.displayName },
    });
    return created;
  });
}

type OperatorChange = { role?: OperatorRole; disabled?: boolean; password?: string };

/** Changes role, enabled state or password; an admin cannot demote or disable themself. */
export async function updateOperator(
  db: ControlDb,
  actor: Operator,
  username: string,
  change: OperatorChange,
) {
  const demotesSelf = change.role !== undefined && change.role !== "admin";
  if (username === actor.username && (demotesSelf || change.disabled === true)) {
    throw new DomainError("BAD_REQUEST", "you cannot lower your own role or disable yourself");
  }
  const passwordHash = change.password ? await hashPassword(change.password) : undefined;
  return db.transaction(async (tx) => {
    const [before] = await tx
      .select(publicColumns)
      .from(operators)
      .where(eq(operators.username, username))
      .for("update");
    if (!before) throw new DomainError("NOT_FOUND", `no operator named ${username}`);
    const [after] = await tx
      .update(operators)
      .set({
        ...(change.role !== undefined && { role: change.role }),
        ...(change.disabled !== undefined && { disabled: change.disabled }),
        ...(passwordHash !== undefined && { passwordHash }),
        updatedAt: sql`now()`,
      })
      .where(eq(operators.username, username))
      .returning(publicColumns);
    if (!after) throw new DomainError("NOT_FOUND", `no operator named ${username}`);
    await recordAudit(tx, {
      actor: actor.username,
      action: "operator.update",
      target: `operator:${username}`,
      before: { role: before.role, disabled: before.disabled },
      after: {
        role: after.role,
        disabled: after.disabled,
        ...(passwordHash !== undefined && { passwordReset: true }),
      },
    });
    return after;
  });
}

/**
 * Creates the first admin if no operator exists yet. Returns true if it did.
 * Runs at start; the launcher prints the password once.
 */
export async function seedAdmin(db: ControlDb, username: string, password: string) {
  const [{ count } = { count: 0 }] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(operators);
  if (count > 0) return false;
  await createOperator(db, "system", {
    username,
    displayName: "Administrator",
    role: "admin",
    password,
  });
  return true;
}
