import { ResilienceDashboard } from "@/app/_components/resilience/resilience-dashboard";
import { PageHeader } from "@/app/_components/ui/page-header";

export default function ResiliencePage() {
  return (
    <>
      <PageHeader
        title="Resilience"
        description="Every upstream the gateways call, with its circuit breaker, error rate, volume and latency over the last 60 s, live."
      />
      <ResilienceDashboard />
    </>
  );
}
