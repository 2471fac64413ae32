/**
 * The legacy runtime's effects consumer process (consumer group `legacy-effects`): handlers in
 * services/legacy-runtime/effects.ts. Run beside main.ts; several may run at once. Settings
 * (retries, handler deadline, DLQ cap, inbox retention): CONSUMER_* in lib/config/consumer.ts.
 */
import { runConsumer } from "@/lib/events/run-consumer";
import { loadLegacyRuntimeConfig } from "./config";
import { LEGACY_EFFECTS_CONSUMER } from "./effects";

runConsumer("legacy-runtime-consumer", loadLegacyRuntimeConfig, LEGACY_EFFECTS_CONSUMER);
