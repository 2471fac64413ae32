import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { consoleEnv } from "@/lib/config/console";
import { controlDb } from "@/server/db/control-db";
import { signInWithOidc, verifyCredentials } from "@/server/operators/operator-service";

const CredentialsSchema = z.object({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(256),
});

/**
 * next-auth configuration, built on first use so that `next build` needs no environment.
 * Sessions are signed JWT cookies that expire after SESSION_MAX_AGE_SECONDS; the operator's
 * role and enabled state are re-read from keiko_control on every request (see session-operator).
 */
export function authOptions(): NextAuthOptions {
  const env = consoleEnv();
  const providers: NextAuthOptions["providers"] = [
    CredentialsProvider({
      name: "Keiko operator",
      credentials: {
        username: { label: "Username" },
        password: { label: "Password", type: "password" },
      },
      async authorize(raw) {
        const parsed = CredentialsSchema.safeParse(raw);
        if (!parsed.success) return null;
        const operator = await verifyCredentials(
          controlDb(),
          parsed.data.username,
          parsed.data.password,
        );
        return operator ? { id: operator.id, name: operator.displayName } : null;
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
        username: profile.preferred_username ?? profile.email ?? profile.sub,
      }),
    });
  }
  return {
    secret: env.NEXTAUTH_SECRET,
    session: { strategy: "jwt", maxAge: env.SESSION_MAX_AGE_SECONDS, updateAge: 15 * 60 },
    jwt: { maxAge: env.SESSION_MAX_AGE_SECONDS },
    pages: { signIn: "/login", error: "/login" },
    providers,
    callbacks: {
      async signIn({ user, account }) {
        if (account?.provider !== "oidc") return true;
        // SSO users become (or are matched to) operators; the OIDC default role applies to new ones.
        const operator = await signInWithOidc(
          controlDb(),
          String((user as { username?: string }).username ?? user.email ?? user.id),
          user.name ?? "SSO user",
          env.OIDC_DEFAULT_ROLE,
        );
        if (!operator) return false;
        user.id = operator.id;
        return true;
      },
      jwt({ token, user }) {
        if (user) token.operatorId = user.id;
        return token;
      },
      session({ session, token }) {
        return {
          ...session,
          operatorId: typeof token.operatorId === "string" ? token.operatorId : null,
        };
      },
    },
  };
}
