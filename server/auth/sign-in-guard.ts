import { loginThrottle } from "./login-throttle";

/** The credentials sign-in endpoint of next-auth, the one a password guesser calls. */
function isCredentialsSignIn(request: Request): boolean {
  return (
    request.method === "POST" &&
    new URL(request.url).pathname.endsWith("/api/auth/callback/credentials")
  );
}

/**
 * Refuses a password sign-in while its username or client address is locked, before any
 * password is checked: 429 with Retry-After and a plain message. The body is what next-auth's
 * `signIn(…, { redirect: false })` reads, so the login form shows the message as the error.
 */
export async function refuseThrottledSignIn(
  request: Request,
  clientAddress: string,
): Promise<Response | null> {
  if (!isCredentialsSignIn(request)) return null;
  let username = "";
  try {
    const text = await request.clone().text();
    const json = request.headers.get("content-type")?.includes("application/json");
    const value = json
      ? (JSON.parse(text) as { username?: unknown }).username
      : new URLSearchParams(text).get("username");
    username = typeof value === "string" ? value.slice(0, 64) : "";
  } catch {
    // an unreadable body names no username; the address is still checked
  }
  const verdict = await loginThrottle().check(username, clientAddress);
  if (verdict.allowed) return null;
  const login = new URL("/login", request.url);
  login.searchParams.set("error", verdict.message);
  return Response.json(
    { url: login.toString(), error: verdict.message, retryAfterSeconds: verdict.retryAfterSeconds },
    { status: 429, headers: { "Retry-After": String(verdict.retryAfterSeconds) } },
  );
}
