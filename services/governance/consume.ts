/**
 * governance's event consumer process (consumer group `governance`): handlers in services/governance/handlers.ts.
 * Run beside main.ts; several may run at once. Settings (retries, handler deadline, DLQ cap,
 * inbox retention): CONSUMER_* in lib/config/consumer.ts.
 */
import { runConsumer } from "@/lib/events/run-consumer";
import { loadGovernanceConfig } from "./config";
import { GOVERNANCE_CONSUMER } from "./handlers";

runConsumer("governance-consumer", loadGovernanceConfig, GOVERNANCE_CONSUMER);
