import { processMetrics } from "@/lib/observability/process-metrics";

/** The console's own Prometheus series (Node's runtime, heap, event loop) for the scrape config. */
export const dynamic = "force-dynamic";

export async function GET() {
  const registry = processMetrics("console");
  return new Response(await registry.metrics(), {
    headers: { "content-type": registry.contentType, "cache-control": "no-store" },
  });
}
