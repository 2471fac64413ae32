import { ResilienceDashboard } from "@/app/_components/resilience/resilience-dashboard";

export default function ResiliencePage() {
  return (
    <>
      <header className="mb-6">
        <h1 className="text-2xl font-semibold tracking-tight">Resilience</h1>
        <p className="text-sm text-slate-400">
          Every upstream the gateways call, with its circuit breaker, error rate, volume and latency
          over the last 60 s, refreshed every second.
        </p>
      </header>
      <ResilienceDashboard />
    </>
  );
}
