import { and, asc, eq, sql } from "drizzle-orm";
import type { Operator, OperatorRole } from "@/lib/contracts/operators";
import { UsernameSchema } from "@/lib/contracts/operators";
import { recordAudit } from "@/server/audit/audit-log";
import { usernameThrottleRow } from "@/server/auth/login-throttle";
import { endOperatorSessions, type SessionEndReason } from "@/server/auth/operator-sessions";
import { decoyHash, hashPassword, verifyPassword } from "@/server/auth/password";
import type { ControlDb } from "@/server/db/client";
import { loginThrottle, operators } from "@/server/db/schema/operators";
import { DomainError } from "@/server/errors";

/** What the rest of the control plane knows of a signed-in person. */
export type { Operator } from "@/lib/contracts/operators";

const publicColumns = {
  id: operators.id,
  username: operators.username,
  displayName: operators.displayName,
  role: operators.role,
  disabled: operators.disabled,
  /** The SSO issuer of an operator who signs in with single sign-on; null for local ones. */
  oidcIssuer: operators.oidcIssuer,
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

/** Who an SSO sign-in says the person is: the id token's issuer and subject, and names. */
export type OidcIdentity = {
  issuer: string;
  subject: string;
  preferredUsername: string | undefined;
  displayName: string;
};

/** A username in the local form (a-z, 0-9, '.', '_', '-'; 3 to 64 characters). */
function usernameFrom(preferred: string | undefined): string {
  const cleaned = (preferred ?? "")
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .slice(0, 56);
  return cleaned.length >= 3 ? cleaned : `sso-${cleaned || "user"}`;
}

/** The first of `base`, `base-sso`, `base-sso-2`… that no operator has. */
async function freeUsername(tx: Pick<ControlDb, "select">, base: string): Promise<string> {
  for (let n = 1; ; n += 1) {
    const candidate = n === 1 ? base : n === 2 ? `${base}-sso` : `${base}-sso-${n - 1}`;
    const [taken] = await tx
      .select({ id: operators.id })
      .from(operators)
      .where(eq(operators.username, candidate));
    if (!taken && UsernameSchema.safeParse(candidate).success) return candidate;
  }
}

/**
 * The operator of an SSO identity, found by issuer and subject only, never by name: a new
 * identity becomes a new operator with `defaultRole` and a username of its own, even when its
 * preferred_username is that of a local operator. Returns null for a disabled operator.
 */
export async function signInWithOidc(
  db: ControlDb,
  identity: OidcIdentity,
  defaultRole: OperatorRole,
): Promise<Operator | null> {
  return db.transaction(async (tx) => {
    const [existing] = await tx
      .select(publicColumns)
      .from(operators)
      .where(
        and(eq(operators.oidcIssuer, identity.issuer), eq(operators.oidcSubject, identity.subject)),
      )
      .for("update");
    if (existing) {
      if (existing.disabled) return null;
      await tx
        .update(operators)
        .set({ lastLoginAt: sql`now()` })
        .where(eq(operators.id, existing.id));
      const { id, username, displayName, role } = existing;
      return { id, username, displayName, role };
    }
    // one SSO identity at a time, so two first sign-ins cannot race for a username
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('keiko:operators:oidc'))`);
    const username = await freeUsername(tx, usernameFrom(identity.preferredUsername));
    const [created] = await tx
      .insert(operators)
      .values({
        username,
        displayName: identity.displayName.slice(0, 100),
        role: defaultRole,
        oidcIssuer: identity.issuer,
        oidcSubject: identity.subject,
        lastLoginAt: sql`now()`,
      })
      .onConflictDoNothing()
      .returning(publicColumns);
    if (!created) {
      throw new DomainError("CONFLICT", `could not create an operator for ${identity.subject}`);
    }
    await recordAudit(tx, {
      actor: "oidc",
      action: "operator.create",
      target: `operator:${username}`,
      after: {
        role: created.role,
        displayName: created.displayName,
        via: "oidc",
        issuer: identity.issuer,
        subject: identity.subject,
      },
    });
    const { id, displayName, role } = created;
    return { id, username, displayName, role };
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
    if (passwordHash !== undefined && before.oidcIssuer !== null) {
      throw new DomainError(
        "BAD_REQUEST",
        `${username} signs in with single sign-on and has no password to reset`,
      );
    }
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
    const endReason = sessionEndReason(before, after, passwordHash !== undefined);
    const sessionsEnded = endReason ? await endOperatorSessions(tx, after.id, endReason) : 0;
    // an admin's new password or enable lifts a lock that guessers put on the username
    const unlocked =
      endReason === "password-reset" || endReason === "enabled"
        ? (
            await tx
              .delete(loginThrottle)
              .where(eq(loginThrottle.key, usernameThrottleRow(username)))
              .returning({ key: loginThrottle.key })
          ).length > 0
        : false;
    await recordAudit(tx, {
      actor: actor.username,
      action: "operator.update",
      target: `operator:${username}`,
      before: { role: before.role, disabled: before.disabled },
      after: {
        role: after.role,
        disabled: after.disabled,
        ...(passwordHash !== undefined && { passwordReset: true }),
        ...(sessionsEnded > 0 && { sessionsEnded }),
        ...(unlocked && { signInUnlocked: true }),
      },
    });
    return after;
  });
}

/** A new password, a role change or a disable/enable ends the operator's open sessions. */
function sessionEndReason(
  before: { role: OperatorRole; disabled: boolean },
  after: { role: OperatorRole; disabled: boolean },
  passwordReset: boolean,
): SessionEndReason | null {
  if (passwordReset) return "password-reset";
  if (before.disabled !== after.disabled) return after.disabled ? "disabled" : "enabled";
  if (before.role !== after.role) return "role-change";
  return null;
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
