import type { ControlDb } from "@/server/db/client";
import { verifyWallToken, type WallAccess } from "./wall-tokens";

/** The httpOnly cookie a kiosk keeps its wall token in (set by /wall/enter). */
export const wallCookieName = (secure: boolean) => (secure ? "__Host-keiko_wall" : "keiko_wall");

/** The wall token in a Cookie header, or null. */
export function wallTokenInCookieHeader(header: string | null, secure: boolean): string | null {
  if (!header) return null;
  const name = wallCookieName(secure);
  for (const part of header.split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return null;
}

/** The wall access of a request's cookie, or null; no query unless the cookie is there. */
export async function requestWallAccess(
  db: ControlDb,
  request: Request,
  secure: boolean,
): Promise<WallAccess | null> {
  const token = wallTokenInCookieHeader(request.headers.get("cookie"), secure);
  return token ? verifyWallToken(db, token) : null;
}
