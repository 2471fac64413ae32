import { cookies } from "next/headers";
import { decode } from "next-auth/jwt";
import { consoleEnv } from "@/lib/config/console";
import type { ControlDb } from "@/server/db/client";
import { controlDb } from "@/server/db/control-db";
import type { Operator } from "@/server/operators/operator-service";
import { type SessionToken, sessionCookieName } from "./auth-options";
import { findSessionOperator } from "./operator-sessions";

type CookieJar = { name: string; value: string }[];

/** The session token in a jar: the cookie itself, or next-auth's chunks `<name>.0`, `<name>.1`… */
function sessionTokenIn(jar: CookieJar, name: string): string | null {
  const whole = jar.find((c) => c.name === name);
  if (whole) return whole.value;
  const chunks = jar
    .filter((c) => c.name.startsWith(`${name}.`) && /^\d+$/.test(c.name.slice(name.length + 1)))
    .sort((a, b) => Number(a.name.slice(name.length + 1)) - Number(b.name.slice(name.length + 1)));
  return chunks.length > 0 ? chunks.map((c) => c.value).join("") : null;
}

/** The cookies of a Cookie header (values are next-auth's URL-safe tokens, so no decoding). */
function parseCookieHeader(header: string | null): CookieJar {
  if (!header) return [];
  return header.split(";").flatMap((part) => {
    const at = part.indexOf("=");
    if (at < 1) return [];
    return [{ name: part.slice(0, at).trim(), value: part.slice(at + 1).trim() }];
  });
}

/**
 * The operator of a session cookie: a token that decrypts and has not expired, naming a session
 * that is still open (not signed out, not ended by a reset, disable or role change).
 */
export async function operatorForSessionToken(
  db: ControlDb,
  token: string | null,
  secret: string,
): Promise<Operator | null> {
  if (!token || token.length > 16_384) return null;
  let claims: SessionToken | null;
  try {
    claims = await decode({ token, secret });
  } catch {
    return null; // tampered, expired or signed with another secret
  }
  if (typeof claims?.sid !== "string") return null;
  return findSessionOperator(db, claims.sid);
}

/** The operator behind a route handler's request, from its Cookie header. */
export async function requestOperator(request: Request): Promise<Operator | null> {
  const env = consoleEnv();
  const jar = parseCookieHeader(request.headers.get("cookie"));
  const token = sessionTokenIn(jar, sessionCookieName(env.secureCookies));
  return operatorForSessionToken(controlDb(), token, env.NEXTAUTH_SECRET);
}

/**
 * The operator behind the current page's session cookie, or null. Role and enabled state come
 * from the database, not the cookie, so every change takes effect on the next request.
 */
export async function sessionOperator(): Promise<Operator | null> {
  const env = consoleEnv();
  const token = sessionTokenIn((await cookies()).getAll(), sessionCookieName(env.secureCookies));
  return operatorForSessionToken(controlDb(), token, env.NEXTAUTH_SECRET);
}
