import { ParityReport } from "@/app/_components/parity-report";
import { PageHeader } from "@/app/_components/ui/page-header";

export default function ParityPage() {
  return (
    <>
      <PageHeader
        title="Shadow parity"
        description="While a domain shadows, the gateway compares each legacy answer with the new service's, ignoring each route's volatile fields (ids, timestamps). Mismatches, newest first."
      />
      <ParityReport />
    </>
  );
}
