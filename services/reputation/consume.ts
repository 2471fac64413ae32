/**
 * reputation's event consumer process (consumer group `reputation`): handlers in services/reputation/handlers.ts.
 * Run beside main.ts; several may run at once. Settings (retries, handler deadline, DLQ cap,
 * inbox retention): CONSUMER_* in lib/config/consumer.ts.
 */
import { runConsumer } from "@/lib/events/run-consumer";
import { loadReputationConfig } from "./config";
import { REPUTATION_CONSUMER } from "./handlers";

runConsumer("reputation-consumer", loadReputationConfig, REPUTATION_CONSUMER);
