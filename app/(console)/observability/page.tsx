import { ObservabilityDashboard } from "@/app/_components/observability/observability-dashboard";

export default function ObservabilityPage() {
  return <ObservabilityDashboard />;
}
