/**
 * marketplace's event consumer process (consumer group `marketplace`): handlers in services/marketplace/handlers.ts.
 * Run beside main.ts; several may run at once. Settings (retries, handler deadline, DLQ cap,
 * inbox retention): CONSUMER_* in lib/config/consumer.ts.
 */
import { runConsumer } from "@/lib/events/run-consumer";
import { loadMarketplaceConfig } from "./config";
import { MARKETPLACE_CONSUMER } from "./handlers";

runConsumer("marketplace-consumer", loadMarketplaceConfig, MARKETPLACE_CONSUMER);
