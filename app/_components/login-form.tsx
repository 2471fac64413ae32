"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { signIn } from "next-auth/react";
import { type FormEvent, Suspense, useState } from "react";
import { ErrorNote } from "./error-note";
import { FormField, inputClass } from "./ui/form-field";

function Form({ ssoEnabled }: { ssoEnabled: boolean }) {
  const router = useRouter();
  const params = useSearchParams();
  const [error, setError] = useState<string | null>(
    params.get("error") ? "Sign-in failed. Check your username and password." : null,
  );
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    const result = await signIn("credentials", {
      username: String(form.get("username") ?? ""),
      password: String(form.get("password") ?? ""),
      redirect: false,
    });
    setPending(false);
    if (result?.ok) {
      router.replace(
        params.get("callbackUrl")?.startsWith("/") ? (params.get("callbackUrl") as string) : "/",
      );
      router.refresh();
    } else if (result?.status === 429 && result.error) {
      setError(result.error); // the throttle's own message: who is locked and for how long
    } else {
      setError("Wrong username or password, or the account is disabled.");
    }
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4">
      <FormField label="Username">
        <input
          name="username"
          autoComplete="username"
          required
          className={`${inputClass} w-full outline-none focus:border-emerald-500`}
        />
      </FormField>
      <FormField label="Password">
        <input
          name="password"
          type="password"
          autoComplete="current-password"
          required
          className={`${inputClass} w-full outline-none focus:border-emerald-500`}
        />
      </FormField>
      {error && <ErrorNote message={error} />}
      <button
        type="submit"
        disabled={pending}
        className="w-full rounded bg-emerald-500 px-3 py-2 font-medium text-slate-950 hover:bg-emerald-400 disabled:opacity-50"
      >
        {pending ? "Signing in…" : "Sign in"}
      </button>
      {ssoEnabled && (
        <button
          type="button"
          onClick={() => signIn("oidc", { callbackUrl: "/" })}
          className="w-full rounded border border-slate-700 px-3 py-2 text-slate-200 hover:bg-slate-800"
        >
          Sign in with single sign-on
        </button>
      )}
    </form>
  );
}

export function LoginForm(props: { ssoEnabled: boolean }) {
  return (
    <Suspense>
      <Form {...props} />
    </Suspense>
  );
}
