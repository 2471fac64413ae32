/** governance: listens on PORT (8105), serves the governance contract; see services/governance/app.ts. */
import { runDomainService } from "@/lib/http/run-service";
import { buildGovernanceApp } from "./app";
import { loadGovernanceConfig } from "./config";

await runDomainService("governance", loadGovernanceConfig, buildGovernanceApp);
