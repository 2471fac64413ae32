import "./next-globals";
import { NextRequest } from "next/server";
import { vi } from "vitest";
import { testServerUrl } from "@/lib/testing/test-database";
import { CLIENT_ADDRESS_HEADER } from "@/server/http/client-address";
import { type ControlFixture, createControlFixture } from "@/server/testing/control-fixture";
import { runInRequestScope } from "./next-request-scope";

/** The console's origin in these tests. */
export const CONSOLE_ORIGIN = "http://127.0.0.1:3000";

/** A browser's cookie jar: what Set-Cookie stored, sent back as one Cookie header. */
export class CookieJar {
  readonly cookies = new Map<string, { value: string; attributes: string }>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired =
        /max-age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line) || value === "";
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, { value, attributes: attributes.join(";") });
    }
  }

  header(): string {
    return [...this.cookies].map(([name, { value }]) => `${name}=${value}`).join("; ");
  }

  copy(): CookieJar {
    const jar = new CookieJar();
    for (const [name, cookie] of this.cookies) jar.cookies.set(name, { ...cookie });
    return jar;
  }
}

type AuthRoute = typeof import("@/app/api/auth/[...nextauth]/route");
type TrpcRoute = typeof import("@/app/api/trpc/[trpc]/route");

/**
 * The console's real route handlers (next-auth and tRPC) on a fresh keiko_control, configured
 * through the environment as `next start` would be. The test file must mock `next/headers`
 * with ./next-request-scope.
 */
export async function startConsoleRoutes(env: Record<string, string> = {}) {
  const fx: ControlFixture = await createControlFixture();
  const settings = {
    DATABASE_URL: testServerUrl(),
    CONTROL_DATABASE: fx.database.name,
    NEXTAUTH_SECRET: "test-secret-".padEnd(48, "x"),
    NEXTAUTH_URL: CONSOLE_ORIGIN,
    REDIS_URL: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
    KEIKO_KEY_PREFIX: fx.bus.prefix.replace(/[^a-z0-9:_-]/g, "_"),
    ...env,
  };
  for (const [name, value] of Object.entries(settings)) vi.stubEnv(name, value);
  const auth: AuthRoute = await import("@/app/api/auth/[...nextauth]/route");
  const trpc: TrpcRoute = await import("@/app/api/trpc/[trpc]/route");
  const origin = settings.NEXTAUTH_URL;

  async function callAuth(
    path: string,
    init: { method?: string; jar: CookieJar; form?: Record<string, string>; address?: string },
  ): Promise<Response> {
    const headers = new Headers({ host: new URL(origin).host });
    const cookie = init.jar.header();
    if (cookie) headers.set("cookie", cookie);
    headers.set(CLIENT_ADDRESS_HEADER, init.address ?? "192.0.2.10");
    let body: string | undefined;
    if (init.form) {
      headers.set("content-type", "application/x-www-form-urlencoded");
      body = new URLSearchParams(init.form).toString();
    }
    const request = new NextRequest(`${origin}/api/auth/${path}`, {
      method: init.method ?? (body ? "POST" : "GET"),
      headers,
      body,
    });
    const nextauth = path.split("?")[0]?.split("/") ?? [];
    const response = await runInRequestScope(request, () =>
      auth.POST(request, { params: Promise.resolve({ nextauth }) }),
    );
    init.jar.store(response);
    return response;
  }

  /** Signs in as the login form does; returns next-auth's answer (the jar keeps the cookie). */
  async function signIn(
    username: string,
    password: string,
    jar = new CookieJar(),
    address?: string,
  ) {
    const csrf = await callAuth("csrf", { method: "GET", jar, address });
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const response = await callAuth("callback/credentials", {
      jar,
      address,
      form: { username, password, csrfToken, callbackUrl: `${origin}/`, json: "true" },
    });
    return { response, jar };
  }

  /** Signs out as the nav bar does. */
  async function signOut(jar: CookieJar) {
    const csrf = await callAuth("csrf", { method: "GET", jar });
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    return callAuth("signout", {
      jar,
      form: { csrfToken, callbackUrl: `${origin}/login`, json: "true" },
    });
  }

  /** Calls a tRPC procedure through the route handler, as the console's client does. */
  async function callTrpc(
    procedure: string,
    init: {
      jar?: CookieJar;
      input?: unknown;
      mutation?: boolean;
      headers?: Record<string, string>;
    },
  ): Promise<Response> {
    const headers = new Headers({ host: new URL(origin).host, ...init.headers });
    const cookie = init.jar?.header();
    if (cookie) headers.set("cookie", cookie);
    const json = JSON.stringify({ json: init.input ?? null });
    const url = init.mutation
      ? `${origin}/api/trpc/${procedure}`
      : `${origin}/api/trpc/${procedure}?input=${encodeURIComponent(json)}`;
    if (init.mutation) headers.set("content-type", "application/json");
    const request = new NextRequest(url, {
      method: init.mutation ? "POST" : "GET",
      headers,
      body: init.mutation ? json : undefined,
    });
    return runInRequestScope(request, () => trpc.POST(request));
  }

  /** The operator the session in `jar` is served as (operators.me), or null. */
  async function me(jar: CookieJar) {
    const response = await callTrpc("operators.me", { jar });
    const body = (await response.json()) as { result?: { data: { json: unknown } } };
    return (body.result?.data.json ?? null) as {
      username: string;
      role: string;
      id: string;
    } | null;
  }

  return {
    fx,
    origin,
    callAuth,
    signIn,
    signOut,
    callTrpc,
    me,
    async close() {
      const holder = globalThis as unknown as {
        keikoControlDb?: { $client: { end(): Promise<void> } };
        keikoEventBus?: { redis: { disconnect(): void } };
        keikoLoginThrottle?: unknown;
      };
      await holder.keikoControlDb?.$client.end();
      holder.keikoEventBus?.redis.disconnect();
      holder.keikoControlDb = undefined;
      holder.keikoEventBus = undefined;
      holder.keikoLoginThrottle = undefined;
      vi.unstubAllEnvs();
      await fx.close();
    },
  };
}

export type ConsoleRoutes = Awaited<ReturnType<typeof startConsoleRoutes>>;
