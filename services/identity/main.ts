/** identity: listens on PORT (8101), serves the identity contract; see services/identity/app.ts. */
import { runDomainService } from "@/lib/http/run-service";
import { buildIdentityApp } from "./app";
import { loadIdentityConfig } from "./config";

await runDomainService("identity", loadIdentityConfig, buildIdentityApp);
