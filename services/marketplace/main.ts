/** marketplace: listens on PORT (8106), serves the marketplace contract; see services/marketplace/app.ts. */
import { runDomainService } from "@/lib/http/run-service";
import { buildMarketplaceApp } from "./app";
import { loadMarketplaceConfig } from "./config";

await runDomainService("marketplace", loadMarketplaceConfig, buildMarketplaceApp);
