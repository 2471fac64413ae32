/** learning: listens on PORT (8102), serves the learning contract; see services/learning/app.ts. */
import { runDomainService } from "@/lib/http/run-service";
import { buildLearningApp } from "./app";
import { loadLearningConfig } from "./config";

await runDomainService("learning", loadLearningConfig, buildLearningApp);
