"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { ErrorNote } from "../error-note";
import { TimeAgo } from "../time-ago";
import { useTRPC } from "../trpc-provider";
import { DataTable } from "../ui/data-table";
import { FormField, inputClass } from "../ui/form-field";

const statusStyle = {
  active: "text-emerald-300",
  revoked: "text-rose-300",
  expired: "text-slate-400",
} as const;

/** Admins create a read-only token per wall screen (the secret is shown once) and revoke it. */
export function WallTokenAdmin() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tokens = useQuery(trpc.wall.tokens.queryOptions());
  const refresh = () => queryClient.invalidateQueries(trpc.wall.tokens.pathFilter());
  const [name, setName] = useState("");
  const [days, setDays] = useState("30");
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const create = useMutation(
    trpc.wall.createToken.mutationOptions({
      onSuccess: (token) => {
        setCreated({ name: token.name, secret: token.secret });
        setName("");
        void refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.wall.revokeToken.mutationOptions({ onSuccess: refresh }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name, days: Number(days) });
  };
  const link = created
    ? `${window.location.origin}/wall?token=${encodeURIComponent(created.secret)}`
    : "";

  return (
    <section aria-label="wall tokens" className="mt-10 space-y-4">
      <header>
        <h2 className="text-lg font-semibold">Wall tokens</h2>
        <p className="text-sm text-slate-400">
          A wall token lets one screen show <code>/wall</code> without signing in. It reads the wall
          and nothing else; revoke it when the screen goes.
        </p>
      </header>
      <form onSubmit={submit} className="flex flex-wrap items-end gap-3">
        <FormField label="Screen name">
          <input
            className={inputClass}
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="ops room TV"
            required
          />
        </FormField>
        <FormField label="Valid for (days)">
          <input
            className={`${inputClass} w-24`}
            type="number"
            min={1}
            max={365}
            value={days}
            onChange={(e) => setDays(e.target.value)}
          />
        </FormField>
        <button
          type="submit"
          disabled={create.isPending}
          className="rounded bg-sky-600 px-3 py-1.5 text-sm font-medium hover:bg-sky-500 disabled:opacity-50"
        >
          Create wall token
        </button>
      </form>
      {create.error && <ErrorNote message={create.error.message} />}
      {revoke.error && <ErrorNote message={revoke.error.message} />}
      {created && (
        <div
          role="status"
          className="space-y-1 rounded-xl border border-emerald-700 bg-emerald-950 p-4 text-sm"
        >
          <p>
            Token for <strong>{created.name}</strong> — copy it now, it is not shown again:
          </p>
          <code data-testid="wall-token-secret" className="block break-all font-mono">
            {created.secret}
          </code>
          <p className="text-emerald-200">
            Open on the screen:{" "}
            <code data-testid="wall-token-link" className="break-all">
              {link}
            </code>
          </p>
        </div>
      )}
      <DataTable
        testId="wall-tokens"
        rows={tokens.data}
        rowKey={(t) => t.id}
        rowTestId={(t) => `wall-token-${t.name}`}
        empty="No wall token yet."
        columns={[
          { header: "Screen", cell: (t) => <span className="font-medium">{t.name}</span> },
          {
            header: "Status",
            cell: (t) => (
              <span className={statusStyle[t.status as keyof typeof statusStyle]}>{t.status}</span>
            ),
          },
          {
            header: "Created",
            className: "text-slate-400",
            cell: (t) => (
              <>
                <TimeAgo date={t.createdAt} /> by {t.createdBy}
              </>
            ),
          },
          {
            header: "Expires",
            className: "text-slate-400",
            cell: (t) => t.expiresAt.toLocaleDateString(),
          },
          {
            header: "Last used",
            className: "text-slate-400",
            cell: (t) => (t.lastUsedAt ? <TimeAgo date={t.lastUsedAt} /> : "never"),
          },
          {
            header: "",
            className: "text-right",
            cell: (t) =>
              t.status === "active" ? (
                <button
                  type="button"
                  disabled={revoke.isPending}
                  onClick={() => {
                    if (window.confirm(`Revoke the wall token of ${t.name}? Its screen goes dark.`))
                      revoke.mutate({ id: t.id });
                  }}
                  className="rounded border border-rose-700 px-2 py-1 text-xs text-rose-200 hover:bg-rose-950"
                >
                  Revoke
                </button>
              ) : null,
          },
        ]}
      />
    </section>
  );
}
