/**
 * passport's event consumer process (consumer group `passport`): handlers in services/passport/handlers.ts.
 * Run beside main.ts; several may run at once. Settings (retries, handler deadline, DLQ cap,
 * inbox retention): CONSUMER_* in lib/config/consumer.ts.
 */
import { runConsumer } from "@/lib/events/run-consumer";
import { loadPassportConfig } from "./config";
import { PASSPORT_CONSUMER } from "./handlers";

runConsumer("passport-consumer", loadPassportConfig, PASSPORT_CONSUMER);
