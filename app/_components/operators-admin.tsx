"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { OPERATOR_ROLES, type OperatorRole } from "@/lib/contracts/operators";
import { ErrorNote } from "./error-note";
import { useOperator } from "./operator-context";
import { TimeAgo } from "./time-ago";
import { useTRPC } from "./trpc-provider";
import { DataTable } from "./ui/data-table";
import { FormField, inputClass } from "./ui/form-field";

const input = "rounded border border-slate-700 bg-slate-950 px-2 py-1.5 text-sm";

export function OperatorsAdmin() {
  const trpc = useTRPC();
  const me = useOperator();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.operators.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries(trpc.operators.pathFilter());
  const update = useMutation(trpc.operators.update.mutationOptions({ onSuccess: refresh }));

  return (
    <div className="grid items-start gap-8 lg:grid-cols-[1fr_22rem]">
      <section aria-label="operators" className="space-y-2">
        <DataTable
          columns={[
            {
              header: "Operator",
              cell: (o) => (
                <>
                  <div className="font-medium">{o.displayName}</div>
                  <div className="font-mono text-xs text-slate-500">
                    {o.username}
                    {o.oidcIssuer && (
                      <span title={`single sign-on: ${o.oidcIssuer}`} className="ml-2 text-sky-400">
                        SSO
                      </span>
                    )}
                  </div>
                </>
              ),
            },
            {
              header: "Role",
              cell: (o) => (
                <select
                  aria-label={`role of ${o.username}`}
                  className={input}
                  value={o.role}
                  disabled={o.username === me.username || update.isPending}
                  onChange={(e) =>
                    update.mutate({ username: o.username, role: e.target.value as OperatorRole })
                  }
                >
                  {OPERATOR_ROLES.map((r) => (
                    <option key={r}>{r}</option>
                  ))}
                </select>
              ),
            },
            {
              header: "Last sign-in",
              className: "text-slate-400",
              cell: (o) => (o.lastLoginAt ? <TimeAgo date={o.lastLoginAt} /> : "never"),
            },
            {
              header: "Access",
              className: "space-x-2 text-right",
              cell: (o) => (
                <>
                  {!o.oidcIssuer && (
                    <ResetPassword
                      username={o.username}
                      onReset={(password) => update.mutate({ username: o.username, password })}
                    />
                  )}
                  <button
                    type="button"
                    disabled={o.username === me.username || update.isPending}
                    onClick={() => update.mutate({ username: o.username, disabled: !o.disabled })}
                    className="rounded border border-slate-700 px-3 py-1 text-xs hover:bg-slate-800 disabled:opacity-40"
                  >
                    {o.disabled ? "Enable" : "Disable"}
                  </button>
                </>
              ),
            },
          ]}
          rows={list.data}
          rowKey={(o) => o.id}
          rowTestId={(o) => `operator-row-${o.username}`}
          rowClassName={(o) => (o.disabled ? "opacity-50" : "")}
          empty="No operator yet."
        />
        {update.error && <ErrorNote message={update.error.message} />}
      </section>
      <CreateOperatorForm onCreated={refresh} />
    </div>
  );
}

function CreateOperatorForm({ onCreated }: { onCreated: () => Promise<void> }) {
  const trpc = useTRPC();
  const [role, setRole] = useState<OperatorRole>("operator");
  const create = useMutation(trpc.operators.create.mutationOptions({ onSuccess: onCreated }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    create.mutate(
      {
        username: String(form.get("username")),
        displayName: String(form.get("displayName")),
        password: String(form.get("password")),
        role,
      },
      { onSuccess: () => formElement.reset() },
    );
  }

  return (
    <form
      onSubmit={submit}
      aria-label="create operator"
      className="space-y-3 rounded-xl border border-slate-800 bg-slate-900 p-5"
    >
      <h2 className="font-semibold">Add an operator</h2>
      <FormField label="Username">
        <input name="username" required className={`${inputClass} w-full`} />
      </FormField>
      <FormField label="Display name">
        <input name="displayName" required className={`${inputClass} w-full`} />
      </FormField>
      <FormField label="Initial password" hint="12 characters or more">
        <input
          name="password"
          type="password"
          required
          minLength={12}
          autoComplete="new-password"
          className={`${inputClass} w-full`}
        />
      </FormField>
      <FormField label="Role">
        <select
          name="role"
          className={`${inputClass} w-full`}
          value={role}
          onChange={(e) => setRole(e.target.value as OperatorRole)}
        >
          {OPERATOR_ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </FormField>
      {create.error && <ErrorNote message={create.error.message} />}
      {create.isSuccess && (
        <p role="status" className="text-sm text-emerald-300">
          Created {create.data.username} ({create.data.role}).
        </p>
      )}
      <button
        type="submit"
        disabled={create.isPending}
        className="w-full rounded bg-emerald-500 px-3 py-2 text-sm font-medium text-slate-950 hover:bg-emerald-400 disabled:opacity-50"
      >
        {create.isPending ? "Creating…" : "Create operator"}
      </button>
    </form>
  );
}

function ResetPassword({
  username,
  onReset,
}: {
  username: string;
  onReset: (password: string) => void;
}) {
  const [open, setOpen] = useState(false);
  if (!open) {
    return (
      <button
        type="button"
        onClick={() => setOpen(true)}
        className="rounded border border-slate-700 px-3 py-1 text-xs hover:bg-slate-800"
      >
        Reset password
      </button>
    );
  }
  return (
    <form
      className="inline-flex gap-1"
      onSubmit={(event) => {
        event.preventDefault();
        onReset(String(new FormData(event.currentTarget).get("password")));
        setOpen(false);
      }}
    >
      <input
        name="password"
        type="password"
        required
        minLength={12}
        autoComplete="new-password"
        aria-label={`new password for ${username}`}
        placeholder="new password"
        className="w-36 rounded border border-slate-700 bg-slate-950 px-2 py-1 text-xs"
      />
      <button type="submit" className="rounded bg-emerald-500 px-2 py-1 text-xs text-slate-950">
        Save
      </button>
    </form>
  );
}
