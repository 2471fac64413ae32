import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { consoleEnv } from "@/lib/config/console";
import { controlDb } from "@/server/db/control-db";
import { clientAddressOf } from "@/server/http/client-address";
import { signInWithOidc, verifyCredentials } from "@/server/operators/operator-service";
import { loginThrottle } from "./login-throttle";
import { endSession, startSession } from "./operator-sessions";

const CredentialsSchema = z.object({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(256),
});

/** What the signed session cookie holds: the session's id and its operator's, nothing else. */
export type SessionToken = { sid?: unknown; operatorId?: unknown; [claim: string]: unknown };

/** What authorize() and the SSO sign-in hand to the jwt callback. */
type SignedInUser = { id: string; username?: string; via?: "password" | "oidc" };

/** The session cookie's name; `__Secure-` prefixed when cookies are Secure. */
export function sessionCookieName(secure: boolean): string {
  return `${secure ? "__Secure-" : ""}next-auth.session-token`;
}

/**
 * next-auth configuration, built per request (the client address of a sign-in is recorded on
 * its session) and on first use, so that `next build` needs no environment. The cookie is a
 * signed, expiring JWT that names a row of operator_sessions; a request is served only while
 * that row is open (see session-operator and decision 0014).
 */
export function authOptions(request?: { clientAddress: string }): NextAuthOptions {
  const env = consoleEnv();
  const clientAddress = request?.clientAddress ?? "unknown";
  const providers: NextAuthOptions["providers"] = [
    CredentialsProvider({
      name: "Keiko operator",
      credentials: {
        username: { label: "Username" },
        password: { label: "Password", type: "password" },
      },
      async authorize(raw, req) {
        const parsed = CredentialsSchema.safeParse(raw);
        if (!parsed.success) return null;
        const { username, password } = parsed.data;
        const address = request?.clientAddress ?? clientAddressOf(req?.headers ?? {});
        const throttle = loginThrottle();
        // checked again here: the route's check and this one can be passed by concurrent tries
        if (!(await throttle.check(username, address)).allowed) return null;
        const operator = await verifyCredentials(controlDb(), username, password);
        if (!operator) {
          await throttle.recordFailure(username, address);
          return null;
        }
        await throttle.recordSuccess(username);
        return {
          id: operator.id,
          name: operator.displayName,
          username: operator.username,
          via: "password",
        } as SignedInUser & { name: string };
      },
    }),
  ];
  if (env.OIDC_ISSUER && env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET) {
    providers.push({
      id: "oidc",
      name: "Single sign-on",
      type: "oauth",
      wellKnown: `${env.OIDC_ISSUER.replace(/\/$/, "")}/.well-known/openid-configuration`,
      clientId: env.OIDC_CLIENT_ID,
      clientSecret: env.OIDC_CLIENT_SECRET,
      authorization: { params: { scope: "openid profile email" } },
      idToken: true,
      checks: ["pkce", "state"],
      profile: (profile: {
        sub: string;
        preferred_username?: string;
        email?: string;
        name?: string;
      }) => ({
        id: profile.sub,
        name: profile.name ?? profile.preferred_username ?? profile.email ?? profile.sub,
        email: profile.email ?? null,
      }),
    });
  }
  return {
    secret: env.NEXTAUTH_SECRET,
    useSecureCookies: env.secureCookies,
    session: { strategy: "jwt", maxAge: env.SESSION_MAX_AGE_SECONDS, updateAge: 15 * 60 },
    jwt: { maxAge: env.SESSION_MAX_AGE_SECONDS },
    pages: { signIn: "/login", error: "/login" },
    providers,
    callbacks: {
      async signIn({ user, account, profile }) {
        if (account?.provider !== "oidc") return true;
        // An SSO identity is its issuer and subject; its names never pick an existing operator.
        const claims = (profile ?? {}) as {
          iss?: string;
          preferred_username?: string;
          email?: string;
        };
        const operator = await signInWithOidc(
          controlDb(),
          {
            issuer: claims.iss ?? env.OIDC_ISSUER ?? "oidc",
            subject: account.providerAccountId,
            preferredUsername: claims.preferred_username ?? claims.email?.split("@")[0],
            displayName: user.name ?? "SSO user",
          },
          env.OIDC_DEFAULT_ROLE,
        );
        if (!operator) return false;
        Object.assign(user, { id: operator.id, username: operator.username, via: "oidc" });
        return true;
      },
      async jwt({ token, user }) {
        if (!user) return token;
        const signedIn = user as SignedInUser;
        const sid = await startSession(
          controlDb(),
          { id: signedIn.id, username: signedIn.username ?? signedIn.id },
          {
            maxAgeSeconds: env.SESSION_MAX_AGE_SECONDS,
            clientAddress,
            via: signedIn.via ?? "password",
          },
        );
        return { operatorId: signedIn.id, sid };
      },
      session({ session, token }) {
        return {
          ...session,
          operatorId: typeof token.operatorId === "string" ? token.operatorId : null,
        };
      },
    },
    events: {
      async signOut({ token }) {
        const sid = (token as SessionToken | null)?.sid;
        if (typeof sid === "string") await endSession(controlDb(), sid);
      },
    },
  };
}
