/**
 * learning's event consumer process (consumer group `learning`): handlers in services/learning/handlers.ts.
 * Run beside main.ts; several may run at once. Settings (retries, handler deadline, DLQ cap,
 * inbox retention): CONSUMER_* in lib/config/consumer.ts.
 */
import { runConsumer } from "@/lib/events/run-consumer";
import { loadLearningConfig } from "./config";
import { LEARNING_CONSUMER } from "./handlers";

runConsumer("learning-consumer", loadLearningConfig, LEARNING_CONSUMER);
