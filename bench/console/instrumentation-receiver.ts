/**
 * The trace backend of the instrumentation benchmark, in a process of its own (so its work does
 * not slow the load generator): an OTLP/HTTP receiver that accepts and counts, as a collector
 * would before sampling. Prints `{"endpoint": …}` at start and `{"requests": n, "spans": n}` on SIGTERM.
 */
import { startOtlpReceiver } from "@/lib/observability/testing/otlp-receiver";

const receiver = await startOtlpReceiver({ keep: true });
console.log(JSON.stringify({ endpoint: receiver.endpoint }));
// the spans are only counted: drop them as they come so memory stays flat
const drain = setInterval(() => {
  spans += receiver.spans.length;
  receiver.spans.length = 0;
}, 500);
let spans = 0;
process.once("SIGTERM", async () => {
  clearInterval(drain);
  spans += receiver.spans.length;
  console.log(JSON.stringify({ requests: receiver.requests, spans }));
  await receiver.close();
  process.exit(0);
});
