import { redirect } from "next/navigation";
import { LoginForm } from "@/app/_components/login-form";
import { consoleEnv } from "@/lib/config/console";
import { sessionOperator } from "@/server/auth/session-operator";

export const dynamic = "force-dynamic";

export default async function LoginPage() {
  if (await sessionOperator()) redirect("/");
  const ssoEnabled = Boolean(consoleEnv().OIDC_ISSUER);
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-sm rounded-xl border border-slate-800 bg-slate-900 p-8 shadow-2xl">
        <div className="mb-6 flex items-center gap-2">
          <span className="inline-block h-3 w-3 rounded-sm bg-emerald-400" aria-hidden />
          <h1 className="text-lg font-semibold">Keiko Control Plane</h1>
        </div>
        <LoginForm ssoEnabled={ssoEnabled} />
      </div>
    </main>
  );
}
