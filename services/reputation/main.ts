/** reputation: listens on PORT (8103), serves the reputation contract; see services/reputation/app.ts. */
import { runDomainService } from "@/lib/http/run-service";
import { buildReputationApp } from "./app";
import { loadReputationConfig } from "./config";

await runDomainService("reputation", loadReputationConfig, buildReputationApp);
