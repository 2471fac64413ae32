"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../trpc-provider";
import type { DomainRollbackTarget } from "./gitops-types";
import { Revision } from "./status-badges";

/** Which revision a domain rollback would go back to, and why (inside the confirmation). */
export function RollbackPreview({ target }: { target: DomainRollbackTarget }) {
  const trpc = useTRPC();
  const preview = useQuery(trpc.gitops.rollbackPreview.queryOptions(target));
  if (preview.isPending) return <p className="text-slate-400">Reading the history…</p>;
  if (preview.isError) return <p className="text-rose-300">{preview.error.message}</p>;
  const { target: back, current, considered } = preview.data;
  return (
    <div className="space-y-1" data-testid="rollback-preview">
      <p>
        Deployed now: <Revision value={current} />. Back to:{" "}
        {back ? (
          <>
            <Revision value={back.revision} /> (history {back.id}, last seen Healthy)
          </>
        ) : (
          <span className="text-amber-300">no earlier revision was seen ending Healthy</span>
        )}
      </p>
      {considered.length > 0 && (
        <ul className="text-xs text-slate-400">
          {considered.map((c) => (
            <li key={c.id}>
              #{c.id} <Revision value={c.revision} /> ended {c.endedHealth ?? "unseen"}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
