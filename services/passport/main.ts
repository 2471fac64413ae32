/** passport: listens on PORT (8104), serves the passport contract; see services/passport/app.ts. */
import { runDomainService } from "@/lib/http/run-service";
import { buildPassportApp } from "./app";
import { loadPassportConfig } from "./config";

await runDomainService("passport", loadPassportConfig, buildPassportApp);
