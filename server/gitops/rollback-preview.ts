import type { DomainName } from "@/lib/contracts/domains";
import type { ControlDb } from "@/server/db/client";
import type { ApplicationClient } from "./application-client";
import { applicationName, type Environment } from "./argocd-names";
import { endingHealthByRevision } from "./health-observations";
import { pickLastHealthyRevision } from "./healthy-revision";

/** What a domain rollback would go back to, for the confirmation dialog. */
export async function domainRollbackPreview(
  db: ControlDb,
  client: ApplicationClient,
  request: { domain: DomainName; environment: Environment },
) {
  const name = applicationName(request.domain, request.environment);
  const app = await client.get(name);
  const pick = pickLastHealthyRevision(app, await endingHealthByRevision(db, name));
  return {
    application: name,
    autoSync: Boolean(app.spec.syncPolicy?.automated),
    current: pick.current,
    target: pick.entry ? { id: pick.entry.id, revision: pick.entry.revision ?? null } : null,
    considered: pick.considered,
  };
}
