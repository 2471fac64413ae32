import { NextResponse } from "next/server";
import { consoleEnv } from "@/lib/config/console";
import { controlDb } from "@/server/db/control-db";
import { wallCookieName } from "@/server/wall/wall-cookie";
import { verifyWallToken } from "@/server/wall/wall-tokens";

/**
 * `/wall/enter?token=…`: a valid wall token goes into an httpOnly cookie that lives as long as
 * the token, and the kiosk lands on /wall with the secret out of its address bar and history.
 */
export async function GET(request: Request) {
  const url = new URL(request.url);
  const token = url.searchParams.get("token");
  const poll = url.searchParams.get("poll") === "1" ? "?poll=1" : "";
  const access = await verifyWallToken(controlDb(), token);
  if (!token || !access) {
    return new NextResponse(null, { status: 303, headers: { Location: "/wall?denied=1" } });
  }
  const secure = consoleEnv().secureCookies;
  const response = new NextResponse(null, {
    status: 303,
    headers: {
      Location: `/wall${poll}`,
      "Cache-Control": "no-store",
      "Referrer-Policy": "no-referrer",
    },
  });
  response.cookies.set(wallCookieName(secure), token, {
    httpOnly: true,
    secure,
    sameSite: "lax",
    path: "/",
    expires: access.expiresAt,
  });
  return response;
}
